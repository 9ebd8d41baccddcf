import { describe, expect, it } from 'vitest';
import {
  chatKind,
  normalizeChatId,
  parseChatKind,
  parseSerializedMessageId,
  phoneFromChatId,
  serializeMessageId,
  toE164,
} from './phoneIds.js';

describe('toE164', () => {
  it.each([
    ['31612345678', '+31612345678'],
    ['+31612345678', '+31612345678'],
    ['31612345678@c.us', '+31612345678'],
    ['31687654321:12@s.whatsapp.net', '+31687654321'],
    [' +31 6 1234-5678 ', '+31612345678'],
  ])('%s → %s', (input, expected) => {
    expect(toE164(input)).toBe(expected);
  });

  it.each([
    '200000000000002@lid',
    '120363000000000001@g.us',
    '0612345678',
    '12345',
    '1234567890123456',
    'abc',
    '',
    '316123abc45678',
  ])('rejects %s', (input) => {
    expect(toE164(input)).toBeNull();
  });
});

describe('normalizeChatId', () => {
  it('maps phone JIDs to @c.us and strips the device', () => {
    expect(normalizeChatId('31612345678@s.whatsapp.net')).toBe('31612345678@c.us');
    expect(normalizeChatId('31687654321:12@s.whatsapp.net')).toBe('31687654321@c.us');
    expect(normalizeChatId('31687654321:3@c.us')).toBe('31687654321@c.us');
    expect(normalizeChatId('200000000000002:5@lid')).toBe('200000000000002@lid');
  });

  it('leaves other ids alone', () => {
    expect(normalizeChatId('120363000000000001@g.us')).toBe('120363000000000001@g.us');
    expect(normalizeChatId('status@broadcast')).toBe('status@broadcast');
    expect(normalizeChatId(' 123@newsletter ')).toBe('123@newsletter');
  });
});

describe('chatKind', () => {
  it.each([
    ['31612345678@c.us', 'user'],
    ['31612345678@s.whatsapp.net', 'user'],
    ['200000000000002@lid', 'lid'],
    ['120363000000000001@g.us', 'group'],
    ['120363000000000009@newsletter', 'newsletter'],
    ['status@broadcast', 'status'],
    ['1710000000@broadcast', 'broadcast'],
  ])('%s is %s', (id, kind) => {
    expect(chatKind(id)).toBe(kind);
  });

  it('flags unknown servers through parseChatKind', () => {
    expect(parseChatKind('x@example.com')).toBeNull();
    expect(chatKind('x@example.com')).toBe('user');
  });
});

describe('phoneFromChatId', () => {
  it('gives E.164 only for phone chats', () => {
    expect(phoneFromChatId('31612345678@c.us')).toBe('+31612345678');
    expect(phoneFromChatId('200000000000002@lid')).toBeNull();
    expect(phoneFromChatId('120363000000000001@g.us')).toBeNull();
    expect(phoneFromChatId('31612345678')).toBeNull();
  });
});

describe('parseSerializedMessageId', () => {
  it('parses a 1:1 id', () => {
    expect(parseSerializedMessageId('false_31612345678@c.us_A1B2C3D4E5F60718293A4B5C6D7E8F90')).toEqual({
      fromMe: false,
      chatId: '31612345678@c.us',
      rawId: 'A1B2C3D4E5F60718293A4B5C6D7E8F90',
      participant: null,
    });
  });

  it('parses a group id with participant', () => {
    expect(
      parseSerializedMessageId(
        'false_120363000000000001@g.us_C3D4E5F60718293A4B5C6D7E8F90A1B2_200000000000003@lid',
      ),
    ).toEqual({
      fromMe: false,
      chatId: '120363000000000001@g.us',
      rawId: 'C3D4E5F60718293A4B5C6D7E8F90A1B2',
      participant: '200000000000003@lid',
    });
  });

  it('round-trips with serializeMessageId', () => {
    const parts = {
      fromMe: true,
      chatId: '31612345678@c.us',
      rawId: '3EB0A7B6C5D4E3F21009',
      participant: null,
    };
    expect(parseSerializedMessageId(serializeMessageId(parts))).toEqual(parts);
  });

  it.each([
    '',
    '3EB0A7B6C5D4E3F21009',
    'maybe_31612345678@c.us_ABC',
    'true_31612345678_ABC',
    'true_31612345678@c.us_',
    'true_31612345678@c.us_ABC_notajid',
    'true_a@c.us_b_c@c.us_d',
  ])('rejects %j', (id) => {
    expect(parseSerializedMessageId(id)).toBeNull();
  });
});
