import { describe, expect, it } from 'vitest';
import { signWahaBody, verifyWahaSignature } from './wahaSignature.js';

const DOC_BODY = '{"event":"message","session":"default","engine":"WEBJS"}';
const DOC_KEY = 'my-secret-key';

describe('signWahaBody', () => {
  it('matches the vector from the WAHA docs', () => {
    const digest = signWahaBody(DOC_BODY, DOC_KEY);
    expect(digest).toHaveLength(128);
    expect(digest.startsWith('208f8a55')).toBe(true);
    expect(digest.endsWith('fa89')).toBe(true);
  });

  it('signs bytes and strings alike', () => {
    expect(signWahaBody(Buffer.from(DOC_BODY, 'utf8'), DOC_KEY)).toBe(signWahaBody(DOC_BODY, DOC_KEY));
  });
});

describe('verifyWahaSignature', () => {
  const good = signWahaBody(DOC_BODY, DOC_KEY);

  it('accepts the right signature, in any case', () => {
    expect(verifyWahaSignature(Buffer.from(DOC_BODY), good, [DOC_KEY])).toBe(true);
    expect(verifyWahaSignature(DOC_BODY, good.toUpperCase(), [DOC_KEY])).toBe(true);
  });

  it('accepts any key of a rotation list', () => {
    expect(verifyWahaSignature(DOC_BODY, good, ['new-key', DOC_KEY])).toBe(true);
  });

  it('rejects a missing, malformed or wrong signature', () => {
    expect(verifyWahaSignature(DOC_BODY, undefined, [DOC_KEY])).toBe(false);
    expect(verifyWahaSignature(DOC_BODY, '', [DOC_KEY])).toBe(false);
    expect(verifyWahaSignature(DOC_BODY, good.slice(0, 64), [DOC_KEY])).toBe(false);
    expect(verifyWahaSignature(DOC_BODY, `${good.slice(0, 127)}z`, [DOC_KEY])).toBe(false);
    expect(verifyWahaSignature(DOC_BODY, good, ['other-key'])).toBe(false);
    expect(verifyWahaSignature(DOC_BODY, good, [])).toBe(false);
  });

  it('rejects a body that changed by one byte (e.g. re-serialised JSON)', () => {
    expect(verifyWahaSignature(`${DOC_BODY} `, good, [DOC_KEY])).toBe(false);
    expect(verifyWahaSignature(JSON.stringify(JSON.parse(DOC_BODY), null, 1), good, [DOC_KEY])).toBe(false);
  });
});
