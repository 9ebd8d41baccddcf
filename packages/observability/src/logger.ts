import { type Logger, pino } from 'pino';

export type { Logger } from 'pino';

/** Keys whose values never reach a log line, wherever they appear (two levels deep). */
const REDACTED_KEYS = [
  'authorization',
  'apiToken',
  'api_access_token',
  'api-access-token',
  'x-api-key',
  'apiKey',
  'token',
  'secret',
  'hmacKey',
  'webhookHmacKeys',
  'webhookSecrets',
  'webhookToken',
  'sendApiTokens',
  'adminApiToken',
  'cookie',
  'password',
];

const redactPaths = REDACTED_KEYS.flatMap((key) => {
  const quoted = `["${key}"]`;
  return [quoted, `*${quoted}`, `*.*${quoted}`];
});

/** Masks all but the last 4 digits of a phone number or WhatsApp chat id: `+316…5678` → `+*******5678`. */
export function maskPhone(value: string): string {
  return value.replace(/\d(?=\d{4})/g, '*');
}

/**
 * Phone-like digit runs (7–15 digits, optionally after `+`) that are not part of a word or a JSON number: chat ids
 * `31612345678@c.us`, message ids `false_31612345678@c.us_ABC`, E.164 numbers.
 */
const PHONE_IN_TEXT = /(?<![A-Za-z0-9.:,[-])(\+?)(\d{3,11})(\d{4})(?![A-Za-z0-9])/g;
/** E-mail addresses, but not WhatsApp ids (`…@c.us`, `…@g.us`, `…@s.whatsapp.net`, `…@lid`). */
const EMAIL_IN_TEXT =
  /([A-Za-z0-9._%+-])[A-Za-z0-9._%+-]*@(?!(?:c|g)\.us(?![A-Za-z0-9])|s\.whatsapp\.net(?![A-Za-z0-9]))([A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,})/g;

/**
 * Masks every phone number (all but the last 4 digits) and e-mail address (all but the first character of the
 * local part) in a text, e.g. a serialized log line: `+31612345678` → `+*******5678`, `jan@example.com` →
 * `j***@example.com`. Digits that belong to a JSON number are left alone.
 */
export function maskPersonalData(text: string): string {
  return text
    .replace(
      PHONE_IN_TEXT,
      (_all, plus: string, hidden: string, kept: string) => `${plus}${'*'.repeat(hidden.length)}${kept}`,
    )
    .replace(EMAIL_IN_TEXT, (_all, first: string, domain: string) => `${first}***@${domain}`);
}

/**
 * Creates the process logger: JSON by default, pretty for humans; tokens are always redacted, phone numbers and
 * e-mail addresses are masked in every line unless `maskPersonalData` is false.
 */
export function createLogger(opts: {
  service: string;
  level?: string;
  format?: 'json' | 'pretty';
  maskPersonalData?: boolean;
  /** Where JSON lines go instead of stdout (tests). Ignored with the pretty format. */
  destination?: NodeJS.WritableStream;
}): Logger {
  const options = {
    name: opts.service,
    level: opts.level ?? 'info',
    redact: { paths: redactPaths, censor: '[redacted]' },
    // Applied to the serialized line, so it also covers child bindings, messages and error stacks.
    hooks: opts.maskPersonalData === false ? {} : { streamWrite: maskPersonalData },
    base: { service: opts.service },
    timestamp: pino.stdTimeFunctions.isoTime,
    transport:
      opts.format === 'pretty'
        ? {
            target: 'pino-pretty',
            options: { colorize: true, ignore: 'pid,hostname,service', translateTime: 'HH:MM:ss.l' },
          }
        : undefined,
  };
  return opts.destination && opts.format !== 'pretty' ? pino(options, opts.destination) : pino(options);
}
