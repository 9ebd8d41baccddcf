import { startTestRedis, type TestRedis } from '@relay/testing';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSendLedger } from './sendLedger.js';

let redis: TestRedis;
let connection: Redis;

beforeAll(async () => {
  redis = await startTestRedis();
  connection = new Redis(redis.url);
});
afterAll(async () => {
  connection.disconnect();
  await redis.close();
});

const mapping = {
  tenant: 'dealer',
  conversationId: 4,
  chatwootMessageId: 77,
  chatId: '316@c.us',
  waId: 'true_316@c.us_3EB0X',
  part: 0,
};

describe('send ledger', () => {
  it('maps a sent WhatsApp id back to its Chatwoot message under the key the inbound echo check reads', async () => {
    const prefix = redis.uniquePrefix('ledger');
    const ledger = createSendLedger(connection, prefix);
    await ledger.markPending('dealer', 77, 0, { chatId: '316@c.us', jobId: 'j1' });
    expect(await ledger.getPart('dealer', 77, 0)).toMatchObject({ state: 'pending', jobId: 'j1' });
    await ledger.markSent(mapping, '3EB0X');
    expect(await ledger.getPart('dealer', 77, 0)).toMatchObject({ state: 'sent', rawId: '3EB0X' });
    expect(await ledger.getSent('dealer', '3EB0X')).toEqual(mapping);
    expect(await connection.exists(`${prefix}:t:dealer:sent:3EB0X`)).toBe(1);
  });

  it('keeps the highest parked ack once, and never lowers the applied ack', async () => {
    const ledger = createSendLedger(connection, redis.uniquePrefix('ledger'));
    await ledger.parkAck('dealer', 'R1', 3);
    await ledger.parkAck('dealer', 'R1', 2);
    expect(await ledger.takeParkedAck('dealer', 'R1')).toBe(3);
    expect(await ledger.takeParkedAck('dealer', 'R1')).toBeNull();
    expect(await ledger.raiseAppliedAck('dealer', 77, 2)).toBe(true);
    expect(await ledger.raiseAppliedAck('dealer', 77, 2)).toBe(false);
    expect(await ledger.raiseAppliedAck('dealer', 77, 3)).toBe(true);
    expect(await ledger.appliedAck('dealer', 77)).toBe(3);
  });

  it('forgets a failed message so that a Chatwoot retry sends it again', async () => {
    const ledger = createSendLedger(connection, redis.uniquePrefix('ledger'));
    await ledger.markPending('dealer', 78, 0, { chatId: '316@c.us', jobId: 'j2' });
    await ledger.markMessage('dealer', 78, {
      state: 'failed',
      conversationId: 4,
      reason: 'waha_server',
      at: 1,
    });
    await ledger.resetForResend('dealer', 78, 1);
    expect(await ledger.getMessage('dealer', 78)).toBeNull();
    expect(await ledger.getPart('dealer', 78, 0)).toBeNull();
  });
});
