import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startWahaSimulator, type WahaSimulator } from '@relay/testing';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createWahaClient } from './client.js';
import { isTransient, WahaError } from './errors.js';
import type { WahaCallInfo } from './http.js';

const KEY = 'sim-waha-key';

async function expectWahaError(promise: Promise<unknown>): Promise<WahaError> {
  const err = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(WahaError);
  return err as WahaError;
}

/** A plain HTTP server on another origin that records the headers it receives. */
async function startForeignHost() {
  const seen: Array<Record<string, string | string[] | undefined>> = [];
  const server = createServer((req, res) => {
    seen.push(req.headers);
    res.writeHead(200, { 'Content-Type': 'image/png' });
    res.end(Buffer.from([1, 2, 3]));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { url, seen, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

describe('createWahaClient against the WAHA simulator', () => {
  let sim: WahaSimulator;
  const calls: WahaCallInfo[] = [];

  beforeAll(async () => {
    sim = await startWahaSimulator({ apiKey: KEY });
  });
  afterAll(async () => {
    await sim.close();
  });
  afterEach(() => {
    sim.engine = 'GOWS';
    sim.setSessionStatus('default', 'WORKING');
  });

  const client = () => createWahaClient({ baseUrl: sim.url, apiKey: KEY, onCall: (c) => calls.push(c) });

  it('downloads media with the key', async () => {
    const url = sim.putFile('default', 'ABC123', new Uint8Array([0xff, 0xd8, 0xff]), 'image/jpeg');
    expect(url).toBe(`${sim.url}/api/files/default/ABC123.jpeg`);
    const { data, contentType } = await client().downloadMedia(url);
    expect([...data]).toEqual([0xff, 0xd8, 0xff]);
    expect(contentType).toBe('image/jpeg');
    expect(calls.at(-1)).toMatchObject({
      method: 'GET',
      endpoint: 'GET /api/files/:session/:file',
      status: 200,
    });
  });

  it('fails with unauthorized without the key, and not_found once the file expired', async () => {
    const url = sim.putFile('default', 'DEF456', new Uint8Array([1]), 'image/png');
    const noKey = await expectWahaError(createWahaClient({ baseUrl: sim.url }).downloadMedia(url));
    expect(noKey).toMatchObject({ status: 401, kind: 'unauthorized', detail: 'Unauthorized' });
    expect(noKey.isTransient).toBe(false);
    const wrongKey = await expectWahaError(
      createWahaClient({ baseUrl: sim.url, apiKey: 'nope' }).downloadMedia(url),
    );
    expect(wrongKey.message).not.toContain('nope');
    sim.expireFile('default', 'DEF456');
    const expired = await expectWahaError(client().downloadMedia(url));
    expect(expired).toMatchObject({ status: 404, kind: 'not_found' });
  });

  it('does not send the key to another origin', async () => {
    const foreign = await startForeignHost();
    try {
      const { data } = await client().downloadMedia(`${foreign.url}/bucket/file.png?X-Amz-Signature=x`);
      expect([...data]).toEqual([1, 2, 3]);
      expect(foreign.seen[0]?.['x-api-key']).toBeUndefined();
    } finally {
      await foreign.close();
    }
  });

  it('enforces maxBytes', async () => {
    const url = sim.putFile('default', 'BIG', new Uint8Array(2048), 'application/pdf');
    const err = await expectWahaError(client().downloadMedia(url, { maxBytes: 1024 }));
    expect(err.kind).toBe('client');
    expect(err.detail).toContain('1024');
  });

  it('resolves a lid to E.164, null when unknown', async () => {
    sim.setLid('200000000000002@lid', '31612345678@c.us');
    await expect(client().getLidPhone('default', '200000000000002@lid')).resolves.toBe('+31612345678');
    await expect(client().getLidPhone('default', '299999999999999@lid')).resolves.toBeNull();
    expect(sim.requests.some((r) => r.path === '/api/default/lids/200000000000002%40lid')).toBe(true);
  });

  it.each(['GOWS', 'NOWEB', 'WEBJS'] as const)('normalises the %s sendText response', async (engine) => {
    sim.engine = engine;
    const sent = await client().sendText({
      session: 'default',
      chatId: '31612345678@c.us',
      text: 'Hallo',
      reply_to: 'false_31612345678@c.us_AAA',
      linkPreview: false,
    });
    const recorded = sim.sends.at(-1);
    expect(recorded).toMatchObject({ kind: 'text', text: 'Hallo', reply_to: 'false_31612345678@c.us_AAA' });
    expect(sent).toEqual({ id: `true_31612345678@c.us_${recorded?.rawId}`, rawId: recorded?.rawId });
  });

  it('sends media, seen and typing', async () => {
    const c = client();
    const sent = await c.sendMedia('image', {
      session: 'default',
      chatId: '31612345678@c.us',
      file: { mimetype: 'image/png', url: 'https://example.com/a.png' },
      caption: 'kijk',
    });
    expect(sent.rawId).toMatch(/^3EB0/);
    await c.sendSeen({
      session: 'default',
      chatId: '31612345678@c.us',
      messageIds: ['false_31612345678@c.us_X'],
    });
    await c.startTyping({ session: 'default', chatId: '31612345678@c.us' });
    await c.stopTyping({ session: 'default', chatId: '31612345678@c.us' });
    expect(sim.sends.slice(-4).map((s) => s.kind)).toEqual(['image', 'seen', 'startTyping', 'stopTyping']);
    expect(sim.sends.at(-4)).toMatchObject({ caption: 'kijk', file: { mimetype: 'image/png' } });
  });

  it('maps a session that is not WORKING to a transient session_not_ready', async () => {
    sim.setSessionStatus('default', 'STARTING');
    await expect(client().getSessionStatus('default')).resolves.toBe('STARTING');
    const err = await expectWahaError(
      client().sendText({ session: 'default', chatId: '31612345678@c.us', text: 'x' }),
    );
    expect(err).toMatchObject({ status: 422, kind: 'session_not_ready', endpoint: 'POST /api/sendText' });
    expect(isTransient(err)).toBe(true);
  });

  it('classifies 500 as a transient server error with the exception message', async () => {
    sim.injectFault({ path: '/api/sendText', status: 500, count: 1 });
    const err = await expectWahaError(
      client().sendText({ session: 'default', chatId: '31612345678@c.us', text: 'x' }),
    );
    expect(err).toMatchObject({ status: 500, kind: 'server', detail: 'Injected fault' });
    expect(err.isTransient).toBe(true);
  });

  it('times out', async () => {
    sim.injectFault({ path: '/api/sessions/', timeoutMs: 500, count: 1 });
    const fast = createWahaClient({ baseUrl: sim.url, apiKey: KEY, timeoutMs: 100 });
    const err = await expectWahaError(fast.getSessionStatus('default'));
    expect(err).toMatchObject({ status: 0, kind: 'timeout' });
    expect(err.isTransient).toBe(true);
  });

  it('reports network errors with status 0', async () => {
    const dead = createWahaClient({ baseUrl: 'http://127.0.0.1:1', apiKey: KEY });
    const err = await expectWahaError(dead.getSessionStatus('default'));
    expect(err).toMatchObject({ status: 0, kind: 'network' });
    expect(err.message).not.toContain(KEY);
  });

  it('passes the caller abort through unchanged', async () => {
    const controller = new AbortController();
    controller.abort(new Error('shutdown'));
    await expect(
      client().downloadMedia(`${sim.url}/api/files/default/x.jpeg`, { signal: controller.signal }),
    ).rejects.toThrow('shutdown');
  });
});
