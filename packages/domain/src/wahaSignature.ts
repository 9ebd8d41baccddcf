/**
 * WAHA webhook signatures: `X-Webhook-Hmac` = hex HMAC-SHA512 of the raw body bytes (`shared/reference/waha.md` §3.1).
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

const SHA512_HEX_PATTERN = /^[0-9a-f]{128}$/;

/** Hex HMAC-SHA512 of `rawBody` under `key`, as WAHA puts it in `X-Webhook-Hmac`. */
export function signWahaBody(rawBody: Buffer | Uint8Array | string, key: string): string {
  return createHmac('sha512', key).update(rawBody).digest('hex');
}

/**
 * Checks an `X-Webhook-Hmac` header against the raw body, in constant time per key.
 *
 * Accepts the signature of any of `keys` (key rotation: list the new and the old key). Returns false when the
 * header is absent, not a 128-char hex digest, or `keys` is empty. An optional `sha512=` prefix is tolerated.
 */
export function verifyWahaSignature(
  rawBody: Buffer | Uint8Array | string,
  headerValue: string | undefined,
  keys: readonly string[],
): boolean {
  if (headerValue === undefined) return false;
  const received = headerValue
    .trim()
    .toLowerCase()
    .replace(/^sha512=/, '');
  if (!SHA512_HEX_PATTERN.test(received)) return false;
  const receivedBytes = Buffer.from(received, 'hex');
  let matched = false;
  // Check every key (no early exit) so the time taken does not reveal which key matched.
  for (const key of keys) {
    if (key === '') continue;
    const expectedBytes = createHmac('sha512', key).update(rawBody).digest();
    if (expectedBytes.length === receivedBytes.length && timingSafeEqual(expectedBytes, receivedBytes)) {
      matched = true;
    }
  }
  return matched;
}
