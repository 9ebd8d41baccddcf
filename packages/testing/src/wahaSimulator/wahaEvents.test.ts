import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  type InboundMessage,
  normalizeMessage,
  parseSerializedMessageId,
  parseWahaEnvelope,
  verifyWahaSignature,
} from '@relay/domain';
import { describe, expect, it } from 'vitest';
import type { SimulatedEngine } from './messagePayload.js';
import { postWebhook } from './postWebhook.js';
import {
  buildGroupMessage,
  buildImageMessage,
  buildLidMessage,
  buildMediaNotDownloaded,
  buildReplyMessage,
  buildTextMessage,
} from './wahaEvents.js';
import {
  buildAck,
  buildEdited,
  buildReaction,
  buildRevoked,
  buildSessionStatus,
} from './wahaStatusEvents.js';

/** Round-trips through JSON, as the ingress would see it. */
function normalise(envelope: unknown): InboundMessage {
  const parsed = parseWahaEnvelope(JSON.parse(JSON.stringify(envelope)));
  if (!parsed.ok) throw new Error(parsed.error);
  const result = normalizeMessage(parsed.envelope);
  if (!result.ok) throw new Error(result.error);
  return result.message;
}

const ENGINES: SimulatedEngine[] = ['GOWS', 'NOWEB', 'WEBJS'];

describe('WAHA event builders', () => {
  it('gives every envelope a fresh evt_ id and the current time', () => {
    const a = buildTextMessage({ chatId: '31612345678@c.us', body: 'a' });
    const b = buildTextMessage({ chatId: '31612345678@c.us', body: 'a' });
    expect(a.id).toMatch(/^evt_[0-9a-z]{26}$/);
    expect(a.id).not.toBe(b.id);
    expect(a.payload.id).not.toBe(b.payload.id);
    expect(Math.abs(a.timestamp - Date.now())).toBeLessThan(5_000);
  });

  it.each(ENGINES)('%s text message normalises', (engine) => {
    const m = normalise(
      buildTextMessage({ engine, chatId: '31612345678@c.us', body: 'Hoi', senderName: 'Klant' }),
    );
    expect(m).toMatchObject({
      chatId: '31612345678@c.us',
      chatKind: 'user',
      phoneAlt: '+31612345678',
      fromMe: false,
      source: 'app',
      body: 'Hoi',
      senderName: 'Klant',
      engine,
    });
    expect(m.rawId).toMatch(/^[0-9A-F]{32}$/);
  });

  it.each(ENGINES)('%s own API message arrives as message.any with the chat, not our own id', (engine) => {
    const envelope = buildTextMessage({
      engine,
      chatId: '31612345678@c.us',
      body: 'x',
      fromMe: true,
      source: 'api',
    });
    expect(envelope.event).toBe('message.any');
    expect(normalise(envelope)).toMatchObject({ chatId: '31612345678@c.us', fromMe: true, source: 'api' });
  });

  it.each(ENGINES)('%s lid message carries the phone', (engine) => {
    const m = normalise(
      buildLidMessage({ engine, lid: '200000000000002@lid', phone: '+31612345678', body: 'x' }),
    );
    expect(m).toMatchObject({ chatId: '200000000000002@lid', chatKind: 'lid' });
    if (engine !== 'WEBJS') expect(m.phoneAlt).toBe('+31612345678');
  });

  it.each(ENGINES)('%s group message carries the participant', (engine) => {
    const envelope = buildGroupMessage({
      engine,
      groupId: '120363000000000001@g.us',
      participant: '200000000000003@lid',
      participantPhone: '31611111111',
      senderName: 'Groepslid',
      body: 'Goedemorgen',
    });
    expect(parseSerializedMessageId(String(envelope.payload.id))?.participant).toBe('200000000000003@lid');
    expect(normalise(envelope)).toMatchObject({
      chatId: '120363000000000001@g.us',
      chatKind: 'group',
      participant: '200000000000003@lid',
      senderName: 'Groepslid',
      phoneAlt: null,
    });
    if (engine !== 'WEBJS') expect(normalise(envelope).participantPhone).toBe('+31611111111');
  });

  it('image, not-downloaded media and reply', () => {
    const image = normalise(
      buildImageMessage({
        chatId: '31612345678',
        caption: 'foto',
        mediaUrl: 'http://w/api/files/default/X.jpeg',
      }),
    );
    expect(image).toMatchObject({
      body: 'foto',
      mediaState: 'available',
      media: { url: 'http://w/api/files/default/X.jpeg', mimetype: 'image/jpeg' },
    });
    expect(normalise(buildMediaNotDownloaded({ chatId: '31612345678@c.us' }))).toMatchObject({
      media: null,
      mediaState: 'not_downloaded',
    });
    for (const engine of ENGINES) {
      const reply = buildReplyMessage({
        engine,
        chatId: '31612345678@c.us',
        body: 'ja',
        replyToRawId: '3EB0F1E2',
      });
      expect(normalise(reply).replyToId).toBe('3EB0F1E2');
    }
  });

  it('non-message events parse as envelopes with the documented fields', () => {
    const messageId = 'true_31612345678@c.us_3EB0A7B6C5D4E3F21009';
    const events = [
      buildAck({ messageId, ack: 3 }),
      buildReaction({ chatId: '31612345678@c.us', messageId, text: '👍' }),
      buildEdited({ chatId: '31612345678@c.us', editedMessageId: 'A1B2', body: 'nieuw' }),
      buildRevoked({ chatId: '31612345678@c.us', revokedMessageId: 'D4E5' }),
      buildSessionStatus('FAILED'),
    ];
    for (const envelope of events)
      expect(parseWahaEnvelope(JSON.parse(JSON.stringify(envelope))).ok).toBe(true);
    const [ack, reaction, edited, revoked, status] = events;
    expect(ack?.payload).toMatchObject({ id: messageId, ack: 3, ackName: 'READ', from: '31612345678@c.us' });
    expect(reaction?.payload).toMatchObject({ reaction: { text: '👍', messageId } });
    expect(edited?.payload).toMatchObject({ editedMessageId: 'A1B2', body: 'nieuw' });
    expect(revoked?.payload).toMatchObject({ revokedMessageId: 'D4E5' });
    expect(status).toMatchObject({ me: null, payload: { name: 'default', status: 'FAILED' } });
  });
});

describe('postWebhook', () => {
  it('sends WAHA headers and an HMAC over the exact bytes', async () => {
    const received: Array<{ headers: Record<string, string | string[] | undefined>; body: string }> = [];
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        received.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
        res.writeHead(200, { 'Content-Type': 'application/json' });
        res.end('{"ok":true}');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const target = `http://127.0.0.1:${(server.address() as AddressInfo).port}/webhooks/waha`;
    try {
      const envelope = buildTextMessage({ chatId: '31612345678@c.us', body: 'x' });
      const result = await postWebhook(target, envelope, { hmacKey: 'k1' });
      expect(result).toMatchObject({ status: 200, body: { ok: true } });
      const first = received[0];
      expect(first?.headers['user-agent']).toBe('WAHA/2026.7.1');
      expect(first?.headers['x-webhook-request-id']).toMatch(/^[0-9A-Z]{26}$/);
      expect(first?.headers['x-webhook-timestamp']).toBe(String(envelope.timestamp));
      expect(first?.headers['x-webhook-hmac-algorithm']).toBe('sha512');
      expect(verifyWahaSignature(first?.body ?? '', String(first?.headers['x-webhook-hmac']), ['k1'])).toBe(
        true,
      );

      const raw = '{"id":"evt_x" ,"tampered":true}';
      await postWebhook(target, envelope, { hmacKey: 'k1', rawBody: raw, headers: { 'X-Extra': '1' } });
      expect(received[1]?.body).toBe(raw);
      expect(received[1]?.headers['x-extra']).toBe('1');
      expect(verifyWahaSignature(raw, String(received[1]?.headers['x-webhook-hmac']), ['k1'])).toBe(true);

      await postWebhook(target, envelope);
      expect(received[2]?.headers['x-webhook-hmac']).toBeUndefined();
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});
