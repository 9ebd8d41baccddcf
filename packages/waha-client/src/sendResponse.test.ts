import { describe, expect, it } from 'vitest';
import { classifyStatus, extractDetail } from './errors.js';
import { parseSendResponse } from './sendResponse.js';

describe('parseSendResponse', () => {
  const chatId = '31612345678@c.us';

  it('reads GOWS', () => {
    expect(
      parseSendResponse({ id: 'true_31612345678@c.us_3EB0AB', _data: { Info: { ID: '3EB0AB' } } }, chatId),
    ).toEqual({
      id: 'true_31612345678@c.us_3EB0AB',
      rawId: '3EB0AB',
    });
  });

  it('reads NOWEB', () => {
    const body = {
      key: { remoteJid: '31612345678@s.whatsapp.net', fromMe: true, id: 'BAE5XY' },
      status: 'PENDING',
    };
    expect(parseSendResponse(body, chatId)).toEqual({ id: 'true_31612345678@c.us_BAE5XY', rawId: 'BAE5XY' });
  });

  it('reads WEBJS', () => {
    const body = {
      id: { fromMe: true, remote: chatId, id: '3EB0CD', _serialized: 'true_31612345678@c.us_3EB0CD' },
    };
    expect(parseSendResponse(body, chatId)).toEqual({ id: 'true_31612345678@c.us_3EB0CD', rawId: '3EB0CD' });
  });

  it('returns null for unknown shapes', () => {
    expect(parseSendResponse({}, chatId)).toBeNull();
    expect(parseSendResponse('ok', chatId)).toBeNull();
    expect(parseSendResponse({ key: {} }, chatId)).toBeNull();
  });
});

describe('error classification', () => {
  it.each([
    [500, '', 'server'],
    [503, '', 'server'],
    [429, '', 'server'],
    [401, '', 'unauthorized'],
    [404, '', 'not_found'],
    [422, 'Session status is not as expected. Status: STARTING', 'session_not_ready'],
    [422, 'Plus only feature', 'validation'],
    [400, '', 'validation'],
    [409, '', 'client'],
  ])('%i %j → %s', (status, detail, kind) => {
    expect(classifyStatus(status, detail)).toBe(kind);
  });

  it('extracts and redacts the detail', () => {
    expect(extractDetail({ exception: { message: 'boom' } }, '')).toBe('boom');
    expect(extractDetail({ message: ['a', 'b'] }, '')).toBe('a; b');
    expect(extractDetail(null, 'key secret leaked', 'secret')).toBe('key [redacted] leaked');
  });
});
