import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { type InboundMessage, normalizeMessage } from './inboundMessage.js';
import { parseWahaEnvelope, type WahaEnvelope } from './wahaEnvelope.js';
import { isMessageEvent } from './wahaEventNames.js';

// packages/domain/src → /work/shared/reference/waha (the repo lives at /work/main).
const SAMPLES_DIR = fileURLToPath(new URL('../../../../shared/reference/waha/', import.meta.url));
const haveSamples = existsSync(SAMPLES_DIR);

function loadSample(name: string): unknown {
  return JSON.parse(readFileSync(`${SAMPLES_DIR}${name}`, 'utf8')) as unknown;
}

function envelopeOf(name: string): WahaEnvelope {
  const result = parseWahaEnvelope(loadSample(name));
  if (!result.ok) throw new Error(`${name}: ${result.error}`);
  return result.envelope;
}

function messageOf(name: string): InboundMessage {
  const result = normalizeMessage(envelopeOf(name));
  if (!result.ok) throw new Error(`${name}: ${result.error}`);
  return result.message;
}

describe.skipIf(!haveSamples)('WAHA samples', () => {
  const files = haveSamples ? readdirSync(SAMPLES_DIR).filter((f) => f.endsWith('.json')) : [];

  it('finds the samples', () => {
    expect(files.length).toBeGreaterThanOrEqual(15);
  });

  it.each(files)('%s parses as an envelope (and as a message when it is one)', (file) => {
    const envelope = envelopeOf(file);
    expect(envelope.id).toMatch(/^evt_[0-9a-z]{26}$/);
    if (isMessageEvent(envelope.event)) {
      const result = normalizeMessage(envelope);
      expect(result).toMatchObject({ ok: true });
      // Job data stays small: no raw engine data.
      expect(JSON.stringify(result)).not.toContain('_data');
    }
  });

  it('text (GOWS, @c.us)', () => {
    expect(messageOf('message.text.json')).toEqual({
      messageId: 'false_31612345678@c.us_A1B2C3D4E5F60718293A4B5C6D7E8F90',
      rawId: 'A1B2C3D4E5F60718293A4B5C6D7E8F90',
      chatId: '31612345678@c.us',
      chatKind: 'user',
      phoneAlt: '+31612345678',
      fromMe: false,
      source: 'app',
      timestamp: 1784538900,
      body: 'Hoi, ik heb interesse in jullie aanbod. Kunnen jullie mij bellen?',
      senderName: 'Test Klant',
      participant: null,
      participantPhone: null,
      media: null,
      mediaState: 'none',
      replyToId: null,
      location: null,
      vCards: null,
      engine: 'GOWS',
    } satisfies InboundMessage);
  });

  it('lid 1:1 chat takes the phone from SenderAlt', () => {
    expect(messageOf('message.text.lid.json')).toMatchObject({
      chatId: '200000000000002@lid',
      chatKind: 'lid',
      rawId: 'B2C3D4E5F60718293A4B5C6D7E8F90A1',
      phoneAlt: '+31612345678',
      participant: null,
      senderName: 'Test Klant',
    });
  });

  it('group message carries the participant and its phone', () => {
    expect(messageOf('message.group.json')).toMatchObject({
      chatId: '120363000000000001@g.us',
      chatKind: 'group',
      rawId: 'C3D4E5F60718293A4B5C6D7E8F90A1B2',
      fromMe: false,
      phoneAlt: null,
      participant: '200000000000003@lid',
      participantPhone: '+31611111111',
      senderName: 'Groepslid Demo',
    });
  });

  it('image with caption', () => {
    expect(messageOf('message.image.json')).toMatchObject({
      body: 'Dit is de foto van de meterkast',
      media: {
        url: 'http://localhost:3000/api/files/default/D4E5F60718293A4B5C6D7E8F90A1B2C3.jpeg',
        mimetype: 'image/jpeg',
        filename: null,
      },
      mediaState: 'available',
    });
  });

  it('reply carries the bare quoted id', () => {
    expect(messageOf('message.reply.json')).toMatchObject({
      replyToId: '3EB0F1E2D3C4B5A69788',
      rawId: 'E5F60718293A4B5C6D7E8F90A1B2C3D4',
    });
  });

  it('own message typed on the phone', () => {
    expect(messageOf('message.any.fromme-phone.json')).toMatchObject({
      chatId: '31612345678@c.us',
      rawId: 'F60718293A4B5C6D7E8F90A1B2C3D4E5',
      fromMe: true,
      source: 'app',
      phoneAlt: '+31612345678',
      senderName: 'Demo Business',
    });
  });

  it('own message sent through the API', () => {
    expect(messageOf('message.any.fromme-api.json')).toMatchObject({
      messageId: 'true_31612345678@c.us_3EB0A7B6C5D4E3F21009',
      chatId: '31612345678@c.us',
      rawId: '3EB0A7B6C5D4E3F21009',
      fromMe: true,
      source: 'api',
    });
  });

  it('WEBJS takes the chat from _data.id.remote and the name from notifyName', () => {
    expect(messageOf('message.text.webjs.json')).toMatchObject({
      chatId: '31612345678@c.us',
      chatKind: 'user',
      rawId: '3EB0C0FFEE0123456789',
      fromMe: false,
      source: 'app',
      senderName: 'Test Klant',
      participant: null,
      vCards: null,
      engine: 'WEBJS',
    });
  });

  it('WEBJS own message without _data uses `to` as the chat', () => {
    const envelope = envelopeOf('message.text.webjs.json');
    const payload = {
      ...envelope.payload,
      id: 'true_31612345678@c.us_3EB0AAAA',
      fromMe: true,
      from: '31687654321@c.us',
      to: '31612345678@c.us',
      _data: undefined,
    };
    const result = normalizeMessage({ ...envelope, payload });
    expect(result).toMatchObject({
      ok: true,
      message: { chatId: '31612345678@c.us', rawId: '3EB0AAAA', fromMe: true },
    });
  });
});

describe('normalizeMessage edge cases', () => {
  const base: WahaEnvelope = {
    id: 'evt_01kxzcx9y49ppkjsm5yd694nj0',
    timestamp: 1784538900420,
    event: 'message',
    session: 'default',
    engine: 'GOWS',
    payload: { id: 'false_31612345678@c.us_ABC', from: '31612345678@c.us', fromMe: false },
  };

  it('names the missing field', () => {
    expect(normalizeMessage({ ...base, payload: {} })).toEqual({ ok: false, error: 'payload.id: missing' });
    expect(normalizeMessage({ ...base, payload: { id: '' } })).toEqual({
      ok: false,
      error: 'payload.id: expected a non-empty string',
    });
    expect(normalizeMessage({ ...base, payload: { id: 'XYZ', from: '31612345678@c.us' } })).toEqual({
      ok: false,
      error: 'payload.fromMe: missing',
    });
    expect(normalizeMessage({ ...base, payload: { id: 'XYZ', fromMe: false } })).toEqual({
      ok: false,
      error: 'payload.from: missing',
    });
    expect(normalizeMessage({ ...base, payload: { id: 'XYZ', fromMe: false, from: '316@c.us' } })).toEqual({
      ok: false,
      error: 'payload.id: no raw id in the id or _data',
    });
  });

  it('tolerates a payload with only the id', () => {
    const result = normalizeMessage({ ...base, payload: { id: 'false_31612345678@c.us_ABC' } });
    expect(result).toMatchObject({
      ok: true,
      message: {
        chatId: '31612345678@c.us',
        rawId: 'ABC',
        timestamp: 1784538900.42,
        body: null,
        senderName: null,
      },
    });
  });

  it('marks media that was not downloaded or failed', () => {
    const notDownloaded = normalizeMessage({
      ...base,
      payload: { ...base.payload, hasMedia: true, media: null },
    });
    expect(notDownloaded).toMatchObject({ ok: true, message: { media: null, mediaState: 'not_downloaded' } });
    const failed = normalizeMessage({
      ...base,
      payload: { ...base.payload, hasMedia: true, media: { url: null, error: { message: 'boom' } } },
    });
    expect(failed).toMatchObject({ ok: true, message: { media: null, mediaState: 'error' } });
  });

  it('keeps location, vCards and fractional timestamps', () => {
    const result = normalizeMessage({
      ...base,
      payload: {
        ...base.payload,
        timestamp: 1710481111.853,
        location: { latitude: 52.37, longitude: '4.89', name: 'Dam', live: false },
        vCards: ['BEGIN:VCARD\nEND:VCARD'],
      },
    });
    expect(result).toMatchObject({
      ok: true,
      message: {
        timestamp: 1710481111.853,
        location: { latitude: 52.37, longitude: 4.89, name: 'Dam' },
        vCards: ['BEGIN:VCARD\nEND:VCARD'],
      },
    });
  });

  it('takes a lid chat phone from RecipientAlt on own messages, never our own SenderAlt', () => {
    const payload = {
      id: 'true_200000000000002@lid_ABC',
      from: '200000000000002@lid',
      fromMe: true,
      _data: {
        Info: { SenderAlt: '31687654321:12@s.whatsapp.net', RecipientAlt: '31612345678@s.whatsapp.net' },
      },
    };
    expect(normalizeMessage({ ...base, payload })).toMatchObject({
      ok: true,
      message: { phoneAlt: '+31612345678' },
    });
  });

  it('rejects an unknown chat server', () => {
    const result = normalizeMessage({
      ...base,
      payload: { id: 'ABC', fromMe: false, from: 'x@example.com' },
    });
    expect(result).toEqual({ ok: false, error: 'payload.from: unrecognised chat id "x@example.com"' });
  });
});
