/** Fresh ids in WAHA's formats (`shared/reference/waha.md` §1, §3.1, §8). */
import { randomBytes } from 'node:crypto';

const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

/** A ULID: 10 chars of millisecond time + 16 random chars, Crockford base32, upper case. */
export function ulid(nowMs: number = Date.now()): string {
  let time = '';
  let t = nowMs;
  for (let i = 0; i < 10; i++) {
    time = CROCKFORD[t % 32] + time;
    t = Math.floor(t / 32);
  }
  let random = '';
  for (const byte of randomBytes(16)) random += CROCKFORD[byte % 32];
  return time + random;
}

/** Envelope id: `evt_` + lower-case ULID. */
export function eventId(): string {
  return `evt_${ulid().toLowerCase()}`;
}

/** `X-Webhook-Request-Id`: upper-case ULID. */
export function webhookRequestId(): string {
  return ulid();
}

/** Raw id like those of messages sent through WAHA or WhatsApp Web: `3EB0` + 16 upper-case hex chars. */
export function apiRawId(): string {
  return `3EB0${randomBytes(8).toString('hex').toUpperCase()}`;
}

/** Raw id like those of messages typed on a phone: 32 upper-case hex chars. */
export function phoneRawId(): string {
  return randomBytes(16).toString('hex').toUpperCase();
}

/** `316…@c.us` → `316…@s.whatsapp.net` (the JID form inside GOWS/NOWEB `_data`); other ids unchanged. */
export function toJid(chatId: string): string {
  return chatId.endsWith('@c.us') ? `${chatId.slice(0, -'@c.us'.length)}@s.whatsapp.net` : chatId;
}

/** Digits or E.164 or `@c.us` → `…@c.us`. */
export function toCus(phone: string): string {
  if (phone.includes('@')) return phone.replace(/@s\.whatsapp\.net$/, '@c.us');
  return `${phone.replace(/^\+/, '')}@c.us`;
}
