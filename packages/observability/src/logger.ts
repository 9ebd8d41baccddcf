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

/** Creates the process logger: JSON by default, pretty for humans; tokens are always redacted. */
export function createLogger(opts: { service: string; level?: string; format?: 'json' | 'pretty' }): Logger {
  return pino({
    name: opts.service,
    level: opts.level ?? 'info',
    redact: { paths: redactPaths, censor: '[redacted]' },
    base: { service: opts.service },
    timestamp: pino.stdTimeFunctions.isoTime,
    transport:
      opts.format === 'pretty'
        ? {
            target: 'pino-pretty',
            options: { colorize: true, ignore: 'pid,hostname,service', translateTime: 'HH:MM:ss.l' },
          }
        : undefined,
  });
}
