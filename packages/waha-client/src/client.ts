/**
 * `createWahaClient`: the WAHA HTTP API calls the relay makes (`shared/reference/waha.md` §4).
 * Real fetch, `X-Api-Key` on every call to WAHA, 10 s timeout by default.
 */
import { toE164 } from '@relay/domain';
import { WahaError } from './errors.js';
import { createRequester, parseJsonBody, type RequestSpec, type WahaCallInfo } from './http.js';
import { parseSendResponse, type SentMessage } from './sendResponse.js';

/** Options of {@link createWahaClient}. */
export interface WahaClientOptions {
  /** WAHA base URL, e.g. `http://waha:3000` (no `/api`). */
  baseUrl: string;
  /** Sent as `X-Api-Key`; never logged or put in error messages. */
  apiKey?: string;
  /** Per HTTP call, including reading the body. Default 10 000 ms. */
  timeoutMs?: number;
  /** Observer for every finished call, failed ones included. */
  onCall?: (info: WahaCallInfo) => void;
}

/** Options of {@link WahaClient.downloadMedia}. */
export interface DownloadMediaOptions {
  signal?: AbortSignal;
  /** Reject larger files. Default 32 MiB. */
  maxBytes?: number;
  /** Overrides the client's timeout for this download. */
  timeoutMs?: number;
}

/** A file to send: a URL WAHA fetches, or base64 `data`. */
export interface WahaFile {
  mimetype: string;
  url?: string;
  data?: string;
  filename?: string;
}

/** Input of {@link WahaClient.sendText}. */
export interface SendTextInput {
  session: string;
  chatId: string;
  text: string;
  /** Serialized id of the quoted message. */
  reply_to?: string;
  /** WAHA's default is true. */
  linkPreview?: boolean;
}

/** Input of {@link WahaClient.sendMedia}. */
export interface SendMediaInput {
  session: string;
  chatId: string;
  file: WahaFile;
  /** Ignored for `voice` (WhatsApp voice notes have no caption). */
  caption?: string;
  reply_to?: string;
  /** Let WAHA convert with ffmpeg (OGG/Opus voice, mp4 video). Default true for `voice` and `video`. */
  convert?: boolean;
}

/** Which send endpoint {@link WahaClient.sendMedia} uses. */
export type MediaKind = 'image' | 'video' | 'voice' | 'file';

/** The client returned by {@link createWahaClient}. */
export interface WahaClient {
  /** Downloads a `media.url`; `X-Api-Key` is sent only when the URL's origin is WAHA's. */
  downloadMedia(
    url: string,
    opts?: DownloadMediaOptions,
  ): Promise<{ data: Uint8Array; contentType: string | null }>;
  /** Phone (E.164) behind a `@lid`; null when WAHA does not know it (404 or no `pn`). */
  getLidPhone(session: string, lid: string): Promise<string | null>;
  sendText(input: SendTextInput): Promise<SentMessage>;
  sendMedia(kind: MediaKind, input: SendMediaInput): Promise<SentMessage>;
  /** Marks messages (or, without ids, everything unread) in a chat as seen. */
  sendSeen(input: { session: string; chatId: string; messageIds?: string[] }): Promise<void>;
  startTyping(input: { session: string; chatId: string }): Promise<void>;
  stopTyping(input: { session: string; chatId: string }): Promise<void>;
  /** `WORKING`, `STOPPED`, `STARTING`, `SCAN_QR_CODE`, `FAILED`, … */
  getSessionStatus(session: string): Promise<string>;
}

const DEFAULT_TIMEOUT_MS = 10_000;
/** Default {@link DownloadMediaOptions.maxBytes}: 32 MiB. */
export const DEFAULT_MAX_MEDIA_BYTES = 32 * 1024 * 1024;

const MEDIA_ENDPOINTS: Record<MediaKind, string> = {
  image: '/api/sendImage',
  video: '/api/sendVideo',
  voice: '/api/sendVoice',
  file: '/api/sendFile',
};

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Creates a WAHA client. */
export function createWahaClient(opts: WahaClientOptions): WahaClient {
  const base = new URL(opts.baseUrl.endsWith('/') ? opts.baseUrl : `${opts.baseUrl}/`);
  const request = createRequester({
    baseUrl: base.href,
    apiKey: opts.apiKey,
    timeoutMs: opts.timeoutMs ?? DEFAULT_TIMEOUT_MS,
    onCall: opts.onCall,
  });
  const urlOf = (path: string) => new URL(path.replace(/^\//, ''), base);

  async function callJson(spec: Omit<RequestSpec, 'sendKey'>): Promise<unknown> {
    const res = await request({ ...spec, sendKey: true });
    return parseJsonBody(res.data);
  }

  async function send(path: string, json: Record<string, unknown>, chatId: string): Promise<SentMessage> {
    const endpoint = `POST ${path}`;
    const body = await callJson({ method: 'POST', url: urlOf(path), endpoint, json });
    const sent = parseSendResponse(body, chatId);
    // The message probably went out: a non-transient error keeps the caller from sending it twice.
    if (sent === null) {
      throw new WahaError({
        status: 200,
        method: 'POST',
        endpoint,
        kind: 'client',
        detail: 'unrecognised send response',
      });
    }
    return sent;
  }

  async function post(path: string, json: Record<string, unknown>): Promise<void> {
    await callJson({ method: 'POST', url: urlOf(path), endpoint: `POST ${path}`, json });
  }

  return {
    async downloadMedia(url, dlOpts = {}) {
      const target = new URL(url, base);
      const sameOrigin = target.origin === base.origin;
      const res = await request({
        method: 'GET',
        url: target,
        endpoint: sameOrigin ? 'GET /api/files/:session/:file' : 'GET <external media>',
        sendKey: sameOrigin,
        signal: dlOpts.signal,
        timeoutMs: dlOpts.timeoutMs,
        maxBytes: dlOpts.maxBytes ?? DEFAULT_MAX_MEDIA_BYTES,
      });
      return { data: res.data, contentType: res.contentType };
    },

    async getLidPhone(session, lid) {
      const path = `/api/${encodeURIComponent(session)}/lids/${encodeURIComponent(lid)}`;
      try {
        const body = await callJson({
          method: 'GET',
          url: urlOf(path),
          endpoint: 'GET /api/:session/lids/:lid',
        });
        const pn = isRecord(body) ? body.pn : null;
        return typeof pn === 'string' ? toE164(pn) : null;
      } catch (err) {
        if (err instanceof WahaError && err.kind === 'not_found') return null;
        throw err;
      }
    },

    sendText(input) {
      const json: Record<string, unknown> = {
        session: input.session,
        chatId: input.chatId,
        text: input.text,
      };
      if (input.reply_to !== undefined) json.reply_to = input.reply_to;
      if (input.linkPreview !== undefined) json.linkPreview = input.linkPreview;
      return send('/api/sendText', json, input.chatId);
    },

    sendMedia(kind, input) {
      const json: Record<string, unknown> = {
        session: input.session,
        chatId: input.chatId,
        file: input.file,
      };
      if (input.caption !== undefined && kind !== 'voice') json.caption = input.caption;
      if (input.reply_to !== undefined) json.reply_to = input.reply_to;
      // WAHA converts to what WhatsApp plays (OGG/Opus voice, mp4 video) with ffmpeg.
      if (kind === 'voice' || kind === 'video') json.convert = input.convert ?? true;
      return send(MEDIA_ENDPOINTS[kind], json, input.chatId);
    },

    sendSeen(input) {
      const json: Record<string, unknown> = { session: input.session, chatId: input.chatId };
      if (input.messageIds !== undefined) json.messageIds = input.messageIds;
      return post('/api/sendSeen', json);
    },

    startTyping(input) {
      return post('/api/startTyping', { session: input.session, chatId: input.chatId });
    },

    stopTyping(input) {
      return post('/api/stopTyping', { session: input.session, chatId: input.chatId });
    },

    async getSessionStatus(session) {
      const path = `/api/sessions/${encodeURIComponent(session)}`;
      const endpoint = 'GET /api/sessions/:session';
      const body = await callJson({ method: 'GET', url: urlOf(path), endpoint });
      const status = isRecord(body) ? body.status : undefined;
      if (typeof status !== 'string') {
        throw new WahaError({
          status: 200,
          method: 'GET',
          endpoint,
          kind: 'client',
          detail: 'response has no status',
        });
      }
      return status;
    },
  };
}
