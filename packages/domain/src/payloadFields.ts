/** Small, total readers for untyped webhook payloads (`unknown` in, typed value or null out). */

/** A plain JSON object. */
export type JsonRecord = Record<string, unknown>;

/** True for a non-null, non-array object. */
export function isRecord(value: unknown): value is JsonRecord {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** `value[key]` when `value` is an object, else undefined. */
export function field(value: unknown, key: string): unknown {
  return isRecord(value) ? value[key] : undefined;
}

/** Follows a path of keys through nested objects. */
export function fieldAt(value: unknown, ...path: string[]): unknown {
  let current = value;
  for (const key of path) current = field(current, key);
  return current;
}

/** The value when it is a non-empty string (after trimming), else null. */
export function nonEmptyString(value: unknown): string | null {
  return typeof value === 'string' && value.trim() !== '' ? value : null;
}

/** The first argument that is a non-empty string, else null. */
export function firstString(...values: unknown[]): string | null {
  for (const value of values) {
    const text = nonEmptyString(value);
    if (text !== null) return text;
  }
  return null;
}

/** A finite number, also from a numeric string; else null. */
export function finiteNumber(value: unknown): number | null {
  if (typeof value === 'number') return Number.isFinite(value) ? value : null;
  if (typeof value === 'string' && value.trim() !== '') {
    const parsed = Number(value);
    return Number.isFinite(parsed) ? parsed : null;
  }
  return null;
}

/**
 * A WhatsApp id that some engines give as a string and others as `{_serialized}` (whatsapp-web.js).
 * Returns the string form or null.
 */
export function serializedIdOf(value: unknown): string | null {
  return firstString(value, field(value, '_serialized'));
}
