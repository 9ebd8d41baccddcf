/**
 * A fake WAHA as a real HTTP server: media files, lid lookups, sends (recorded), session status and faults.
 * Behaviour follows `shared/reference/waha.md` §2.2, §4 (auth, 401/404/422 bodies, engine-specific send responses).
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { apiRawId } from './ids.js';
import { postWebhook } from './postWebhook.js';
import { sendResponseBody } from './sendResponses.js';
import type {
  WahaSimFault,
  WahaSimRequest,
  WahaSimSend,
  WahaSimSendKind,
  WahaSimulator,
  WahaSimulatorOptions,
} from './types.js';

export type {
  WahaSimFault,
  WahaSimRequest,
  WahaSimSend,
  WahaSimSendKind,
  WahaSimulator,
  WahaSimulatorOptions,
} from './types.js';

const EXTENSIONS: Record<string, string> = {
  'image/jpeg': 'jpeg',
  'image/png': 'png',
  'image/webp': 'webp',
  'video/mp4': 'mp4',
  'audio/ogg': 'oga',
  'audio/mpeg': 'mp3',
  'application/pdf': 'pdf',
};

const SEND_ROUTES: Record<string, WahaSimSendKind> = {
  '/api/sendText': 'text',
  '/api/sendImage': 'image',
  '/api/sendFile': 'file',
  '/api/sendVoice': 'voice',
  '/api/sendVideo': 'video',
  '/api/sendSeen': 'seen',
  '/api/startTyping': 'startTyping',
  '/api/stopTyping': 'stopTyping',
};

type Reply = { status: number; body: unknown; contentType?: string };

function json(status: number, body: unknown): Reply {
  return { status, body };
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  if (text.trim() === '') return {};
  return JSON.parse(text) as unknown;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Starts a WAHA simulator on 127.0.0.1. */
export async function startWahaSimulator(opts: WahaSimulatorOptions = {}): Promise<WahaSimulator> {
  const apiKey = opts.apiKey === undefined ? 'sim-waha-key' : opts.apiKey;
  const files = new Map<string, { bytes: Uint8Array; mimetype: string }>();
  const fileKeys = new Map<string, string>();
  const lids = new Map<string, string>();
  const statuses = new Map<string, string>();
  const faults: WahaSimFault[] = [];
  const requests: WahaSimRequest[] = [];
  const sends: WahaSimSend[] = [];
  let url = '';

  const statusOf = (session: string) => statuses.get(session) ?? 'WORKING';

  function takeFault(path: string): WahaSimFault | null {
    const fault = faults.find((f) =>
      f.path === undefined ? true : typeof f.path === 'string' ? path.includes(f.path) : f.path.test(path),
    );
    if (!fault) return null;
    fault.count -= 1;
    if (fault.count <= 0) faults.splice(faults.indexOf(fault), 1);
    return fault;
  }

  async function handleSend(kind: WahaSimSendKind, req: IncomingMessage): Promise<Reply> {
    let body: unknown;
    try {
      body = await readJson(req);
    } catch {
      return json(400, { statusCode: 400, message: 'Invalid JSON body', error: 'Bad Request' });
    }
    if (!isRecord(body) || typeof body.session !== 'string' || typeof body.chatId !== 'string') {
      return json(400, { statusCode: 400, message: ['session must be a string', 'chatId must be a string'] });
    }
    const status = statusOf(body.session);
    if (status !== 'WORKING') {
      return json(422, {
        statusCode: 422,
        message: `Session status is not as expected. Try again later or restart the session. Status: ${status}`,
        error: 'Unprocessable Entity',
      });
    }
    const send: WahaSimSend = { at: Date.now(), kind, session: body.session, chatId: body.chatId };
    if (typeof body.text === 'string') send.text = body.text;
    if (typeof body.caption === 'string') send.caption = body.caption;
    if (typeof body.reply_to === 'string') send.reply_to = body.reply_to;
    if (typeof body.linkPreview === 'boolean') send.linkPreview = body.linkPreview;
    if (isRecord(body.file)) send.file = body.file as WahaSimSend['file'] & object;
    if (Array.isArray(body.messageIds))
      send.messageIds = body.messageIds.filter((x) => typeof x === 'string');
    if (kind === 'seen' || kind === 'startTyping' || kind === 'stopTyping') {
      sends.push(send);
      return json(201, {});
    }
    send.rawId = apiRawId();
    send.id = `true_${body.chatId}_${send.rawId}`;
    sends.push(send);
    return json(
      201,
      sendResponseBody(sim.engine, { chatId: body.chatId, rawId: send.rawId, text: send.text ?? null }),
    );
  }

  /** `GET /api/{session}/chats/{chatId}/messages`: the messages sent through this simulator, newest first. */
  function chatHistory(session: string, chatId: string, query: URLSearchParams): unknown[] {
    const limit = Number(query.get('limit') ?? '100');
    return sends
      .filter((s) => s.session === session && s.chatId === chatId && s.id !== undefined)
      .reverse()
      .slice(0, Number.isFinite(limit) && limit > 0 ? limit : 100)
      .map((s) => ({
        id: s.id,
        timestamp: Math.floor(s.at / 1000),
        from: s.chatId,
        fromMe: true,
        source: 'api',
        body: s.text ?? s.caption ?? null,
        hasMedia: s.kind !== 'text',
        ack: 1,
        ackName: 'SERVER',
      }));
  }

  async function route(req: IncomingMessage, path: string, query: URLSearchParams): Promise<Reply> {
    const method = req.method ?? 'GET';
    if (apiKey !== null && path.startsWith('/api/')) {
      const given = req.headers['x-api-key'] ?? query.get('x-api-key');
      if (given !== apiKey) return json(401, { message: 'Unauthorized', statusCode: 401 });
    }
    const sendKind = SEND_ROUTES[path];
    if (method === 'POST' && sendKind) return handleSend(sendKind, req);
    if (method !== 'GET') return json(404, { statusCode: 404, message: `Cannot ${method} ${path}` });

    let m = /^\/api\/files\/([^/]+)\/([^/]+)$/.exec(path);
    if (m) {
      const file = files.get(`${decodeURIComponent(m[1] ?? '')}/${decodeURIComponent(m[2] ?? '')}`);
      if (!file) return json(404, { statusCode: 404, message: 'File not found' });
      return { status: 200, body: file.bytes, contentType: file.mimetype };
    }
    m = /^\/api\/sessions\/([^/]+)$/.exec(path);
    if (m) {
      const name = decodeURIComponent(m[1] ?? '');
      return json(200, { name, status: statusOf(name), engine: { engine: sim.engine } });
    }
    m = /^\/api\/([^/]+)\/chats\/([^/]+)\/messages$/.exec(path);
    if (m)
      return json(200, chatHistory(decodeURIComponent(m[1] ?? ''), decodeURIComponent(m[2] ?? ''), query));
    m = /^\/api\/([^/]+)\/lids\/([^/]+)$/.exec(path);
    if (m) {
      const lid = decodeURIComponent(m[2] ?? '');
      const pn = lids.get(lid) ?? lids.get(`${lid}@lid`);
      if (pn === undefined) return json(404, { statusCode: 404, message: 'Lid not found' });
      return json(200, { lid: lid.endsWith('@lid') ? lid : `${lid}@lid`, pn });
    }
    return json(404, { statusCode: 404, message: `Cannot GET ${path}` });
  }

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const parsed = new URL(req.url ?? '/', 'http://localhost');
    const path = parsed.pathname;
    const write = (reply: Reply) => {
      requests.push({ at: Date.now(), method: req.method ?? 'GET', path, status: reply.status });
      if (res.destroyed) return;
      if (reply.body instanceof Uint8Array) {
        res.writeHead(reply.status, { 'Content-Type': reply.contentType ?? 'application/octet-stream' });
        res.end(reply.body);
        return;
      }
      res.writeHead(reply.status, { 'Content-Type': 'application/json; charset=utf-8' });
      res.end(JSON.stringify(reply.body));
    };
    const handle = async () => {
      const fault = takeFault(path);
      if (fault?.timeoutMs) await new Promise((resolve) => setTimeout(resolve, fault.timeoutMs));
      if (fault?.status) {
        req.resume();
        const message = 'Injected fault';
        return fault.status >= 500
          ? json(fault.status, {
              statusCode: fault.status,
              timestamp: new Date().toISOString(),
              exception: { message },
            })
          : json(fault.status, { statusCode: fault.status, message });
      }
      const reply = await route(req, path, parsed.searchParams);
      if (fault?.holdResponseMs) await new Promise((resolve) => setTimeout(resolve, fault.holdResponseMs));
      return reply;
    };
    handle().then(write, (err: unknown) =>
      write(
        json(500, {
          statusCode: 500,
          exception: { message: err instanceof Error ? err.message : String(err) },
        }),
      ),
    );
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, '127.0.0.1', () => resolve());
  });
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const sim: WahaSimulator = {
    url,
    apiKey,
    engine: opts.engine ?? 'GOWS',
    requests,
    sends,
    putFile(session, rawId, bytes, mimetype) {
      const ext = EXTENSIONS[mimetype.split(';')[0]?.trim() ?? ''] ?? 'bin';
      const name = `${rawId}.${ext}`;
      files.set(`${session}/${name}`, { bytes, mimetype });
      fileKeys.set(`${session}/${rawId}`, `${session}/${name}`);
      return `${url}/api/files/${encodeURIComponent(session)}/${name}`;
    },
    expireFile(session, rawId) {
      const key = fileKeys.get(`${session}/${rawId}`);
      if (key) files.delete(key);
      fileKeys.delete(`${session}/${rawId}`);
    },
    setLid(lid, pn) {
      lids.set(lid.endsWith('@lid') ? lid : `${lid}@lid`, pn);
    },
    setSessionStatus(session, status) {
      statuses.set(session, status);
    },
    injectFault(fault) {
      faults.push({ ...fault });
    },
    postWebhook,
    close() {
      return new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      });
    },
  };
  return sim;
}
