import { maskPersonalData } from '@relay/observability';

const SECRET_KEY = /token|secret|password|authorization|api[-_]?key|hmac|cookie/i;
/** Message text and the like: personal data the on-call person does not need to see to fix a delivery. */
const CONTENT_KEY = /^(body|content|caption|text|vCards|location|quotedBody)$/i;
const NAME_KEY = /^(senderName|pushName|notifyName|participantName|contactName)$/i;
const MAX_DEPTH = 8;

function redactValue(key: string, value: unknown, depth: number): unknown {
  if (SECRET_KEY.test(key) && value !== null && value !== undefined) return '[redacted]';
  if (CONTENT_KEY.test(key) && value !== null && value !== undefined) {
    const size = typeof value === 'string' ? value.length : JSON.stringify(value).length;
    return `[hidden: ${size} chars]`;
  }
  if (NAME_KEY.test(key) && typeof value === 'string' && value !== '') return `${value.slice(0, 1)}…`;
  return redactForDisplay(value, depth + 1);
}

/**
 * What the dashboard and Bull Board show of job data: secrets redacted, message content hidden (its size shown),
 * names shortened to an initial, phone numbers and e-mail addresses masked in every string. Pure; never throws.
 */
export function redactForDisplay(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return maskPersonalData(value);
  if (value === null || typeof value !== 'object') return value;
  if (depth > MAX_DEPTH) return '[…]';
  if (Array.isArray(value)) return value.map((item) => redactForDisplay(item, depth + 1));
  return Object.fromEntries(
    Object.entries(value).map(([key, inner]) => [key, redactValue(key, inner, depth)]),
  );
}

/** A text (error message, stack) with phone numbers and e-mail addresses masked. */
export function redactText(text: string | null | undefined): string {
  return text ? maskPersonalData(text) : '';
}
