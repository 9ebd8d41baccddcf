/**
 * The `*_FILE` convention (Docker/Kubernetes secrets): every secret env var `NAME` may instead be given as
 * `NAME_FILE`, the path of a file holding it (one trailing newline is trimmed). Setting both is an error.
 */
import { readFileSync } from 'node:fs';

/** The env vars that hold secrets; each may come from `<NAME>_FILE`. */
export const SECRET_ENV_NAMES = [
  'CHATWOOT_API_TOKEN',
  'WAHA_API_KEY',
  'WAHA_WEBHOOK_HMAC_KEY',
  'WAHA_WEBHOOK_HMAC_KEY_PREVIOUS',
  'CHATWOOT_WEBHOOK_SECRET',
  'CHATWOOT_WEBHOOK_SECRET_PREVIOUS',
  'CHATWOOT_WEBHOOK_TOKEN',
  'SEND_API_TOKENS',
  'ADMIN_API_TOKEN',
  'DASHBOARD_TOKEN',
  'DASHBOARD_USERS',
] as const;

type Env = Record<string, string | undefined>;

const isSet = (value: string | undefined) => value !== undefined && value !== '';

/**
 * A copy of `env` with every `<NAME>_FILE` read into `<NAME>`. Problems (both set, unreadable file) are pushed to
 * `problems`; they name the variable and the path, never the content.
 */
export function resolveSecretFiles(
  env: Env,
  problems: string[],
  readFile: (path: string) => string = (path) => readFileSync(path, 'utf8'),
): Env {
  const resolved: Env = { ...env };
  for (const name of SECRET_ENV_NAMES) {
    const path = env[`${name}_FILE`];
    if (!isSet(path)) continue;
    if (isSet(env[name])) {
      problems.push(`${name}: set either ${name} or ${name}_FILE, not both`);
      continue;
    }
    try {
      resolved[name] = readFile(path as string).replace(/\r?\n$/, '');
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
      problems.push(`${name}_FILE: cannot read ${path} (${code})`);
    }
  }
  return resolved;
}
