import { describe, expect, it } from 'vitest';
import { parseWahaEnvelope } from './wahaEnvelope.js';
import { HANDLED_WAHA_EVENTS, isHandledWahaEvent, isMessageEvent } from './wahaEventNames.js';

const valid = {
  id: 'evt_01kxzcx9y49ppkjsm5yd694nj0',
  timestamp: 1784538900420,
  event: 'message',
  session: 'default',
  payload: { id: 'x' },
};

describe('parseWahaEnvelope', () => {
  it('accepts a minimal envelope and unknown fields', () => {
    const result = parseWahaEnvelope({ ...valid, worker: { id: 'w1' }, extra: 1 });
    expect(result.ok).toBe(true);
    if (result.ok) {
      expect(result.envelope.session).toBe('default');
      expect((result.envelope as Record<string, unknown>).worker).toEqual({ id: 'w1' });
    }
  });

  it('tolerates null optional fields and drops non-string metadata', () => {
    const result = parseWahaEnvelope({ ...valid, me: null, engine: null, metadata: { a: 'b', n: 1 } });
    expect(result).toMatchObject({ ok: true, envelope: { me: null, metadata: { a: 'b' } } });
  });

  it.each([
    [null, 'body: expected a JSON object'],
    [[], 'body: expected a JSON object'],
    ['{}', 'body: expected a JSON object'],
    [{ ...valid, id: '' }, 'id: expected a non-empty string'],
    [{ ...valid, id: undefined }, 'id: missing'],
    [{ ...valid, session: '' }, 'session: expected a non-empty string'],
    [{ ...valid, session: 42 }, 'session: expected a non-empty string'],
    [{ ...valid, event: undefined }, 'event: missing'],
    [{ ...valid, timestamp: '1784538900420' }, 'timestamp: expected a number (unix ms)'],
    [{ ...valid, payload: undefined }, 'payload: missing'],
    [{ ...valid, payload: 'x' }, 'payload: expected an object'],
    [{ ...valid, me: 'x' }, 'me: expected an object'],
    [{ ...valid, engine: 3 }, 'engine: expected a string'],
  ])('rejects %j with an error naming the field', (body, error) => {
    const result = parseWahaEnvelope(body);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error).toBe(error);
  });
});

describe('event names', () => {
  it('classifies message events', () => {
    expect(isMessageEvent('message')).toBe(true);
    expect(isMessageEvent('message.any')).toBe(true);
    expect(isMessageEvent('message.ack')).toBe(false);
  });

  it('lists the handled events', () => {
    expect(HANDLED_WAHA_EVENTS).toContain('session.status');
    expect(isHandledWahaEvent('message.revoked')).toBe(true);
    expect(isHandledWahaEvent('presence.update')).toBe(false);
  });
});
