import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startWahaSimulator, type WahaSimulator } from './simulator.js';

describe('WAHA simulator HTTP surface', () => {
  let sim: WahaSimulator;
  beforeAll(async () => {
    sim = await startWahaSimulator({ engine: 'WEBJS' });
  });
  afterAll(async () => {
    await sim.close();
  });

  it('answers 401 in WAHA shape without the key, accepts ?x-api-key=', async () => {
    const url = sim.putFile('default', 'F1', new Uint8Array([7]), 'image/png');
    const denied = await fetch(url);
    expect(denied.status).toBe(401);
    expect(await denied.json()).toEqual({ message: 'Unauthorized', statusCode: 401 });
    const ok = await fetch(`${url}?x-api-key=sim-waha-key`);
    expect(ok.status).toBe(200);
    expect(sim.requests.at(-1)).toMatchObject({
      method: 'GET',
      path: '/api/files/default/F1.png',
      status: 200,
    });
  });

  it('answers sends in the engine shape and 422 when the session is not WORKING', async () => {
    const headers = { 'X-Api-Key': 'sim-waha-key', 'Content-Type': 'application/json' };
    const body = JSON.stringify({ session: 's1', chatId: '31612345678@c.us', text: 'hi' });
    const res = await fetch(`${sim.url}/api/sendText`, { method: 'POST', headers, body });
    expect(res.status).toBe(201);
    const sent = (await res.json()) as { id: { _serialized: string } };
    expect(sent.id._serialized).toMatch(/^true_31612345678@c\.us_3EB0[0-9A-F]{16}$/);
    sim.setSessionStatus('s1', 'SCAN_QR_CODE');
    const refused = await fetch(`${sim.url}/api/sendText`, { method: 'POST', headers, body });
    expect(refused.status).toBe(422);
    expect(((await refused.json()) as { message: string }).message).toMatch(
      /^Session status is not as expected/,
    );
    expect(sim.sends).toHaveLength(1);
    const status = await fetch(`${sim.url}/api/sessions/s1`, { headers });
    expect(await status.json()).toMatchObject({ name: 's1', status: 'SCAN_QR_CODE' });
  });

  it('applies a fault to `count` matching requests only', async () => {
    sim.injectFault({ path: /sessions/, status: 503, count: 2 });
    const get = () => fetch(`${sim.url}/api/sessions/default`, { headers: { 'X-Api-Key': 'sim-waha-key' } });
    expect((await get()).status).toBe(503);
    expect((await get()).status).toBe(503);
    expect((await get()).status).toBe(200);
  });
});
