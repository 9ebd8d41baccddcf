/** Public types of the WAHA simulator. */
import type { SimulatedEngine } from './messagePayload.js';
import type { PostWebhookOptions, PostWebhookResult } from './postWebhook.js';

/** Options of {@link startWahaSimulator}. */
export interface WahaSimulatorOptions {
  /** Default 0 (any free port). */
  port?: number;
  /** Expected `X-Api-Key`. Default `sim-waha-key`; `null` disables auth. */
  apiKey?: string | null;
  /** Shape of send responses. Default `GOWS`. */
  engine?: SimulatedEngine;
}

/** One handled HTTP request (the query string, which may hold the key, is not logged). */
export interface WahaSimRequest {
  at: number;
  method: string;
  path: string;
  status: number;
}

/** What a send endpoint was asked to do. */
export type WahaSimSendKind =
  | 'text'
  | 'image'
  | 'file'
  | 'voice'
  | 'video'
  | 'seen'
  | 'startTyping'
  | 'stopTyping';

/** One accepted send call. `id`/`rawId` are set for message sends. */
export interface WahaSimSend {
  at: number;
  kind: WahaSimSendKind;
  session: string;
  chatId: string;
  text?: string;
  caption?: string;
  reply_to?: string;
  file?: { mimetype?: string; url?: string; data?: string; filename?: string };
  messageIds?: string[];
  linkPreview?: boolean;
  id?: string;
  rawId?: string;
}

/** A fault applied to the next `count` matching requests: delay by `timeoutMs`, and/or answer `status`. */
export interface WahaSimFault {
  /** Substring or pattern of the path; default every path. */
  path?: string | RegExp;
  status?: number;
  timeoutMs?: number;
  /** Do the work (e.g. record the send), then wait this long before answering: "sent, but the answer is late". */
  holdResponseMs?: number;
  count: number;
}

/** A running simulator. */
export interface WahaSimulator {
  /** Base URL, e.g. `http://127.0.0.1:41234`. */
  readonly url: string;
  readonly apiKey: string | null;
  engine: SimulatedEngine;
  readonly requests: WahaSimRequest[];
  readonly sends: WahaSimSend[];
  /** Stores a file and returns its absolute `media.url` (`{url}/api/files/{session}/{rawId}.{ext}`). */
  putFile(session: string, rawId: string, bytes: Uint8Array, mimetype: string): string;
  /** Deletes a file as `WHATSAPP_FILES_LIFETIME` would: later downloads get 404. */
  expireFile(session: string, rawId: string): void;
  setLid(lid: string, pn: string): void;
  /** Any status other than `WORKING` makes sends answer 422. Sessions start `WORKING`. */
  setSessionStatus(session: string, status: string): void;
  injectFault(fault: WahaSimFault): void;
  postWebhook(targetUrl: string, envelope: unknown, opts?: PostWebhookOptions): Promise<PostWebhookResult>;
  close(): Promise<void>;
}
