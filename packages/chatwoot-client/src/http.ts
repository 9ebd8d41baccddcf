import { ChatwootError, errorFromResponse } from './errors.js';
import { UnexpectedShapeError } from './parse.js';

/** Per-call options accepted as the last argument of every client method. */
export interface CallOptions {
  signal?: AbortSignal;
}

/** What the `schedule` and `onCall` hooks learn about a call. */
export interface CallInfo {
  method: string;
  /** Templated path without ids or account, e.g. `GET /conversations/:id/messages`. */
  endpoint: string;
  /** The caller's abort signal, so a scheduler can stop waiting (or retrying) for an abandoned call. */
  signal?: AbortSignal;
}

/** Options of {@link createChatwootClient}. */
export interface ChatwootClientOptions {
  /** Chatwoot base URL, e.g. `https://chat.example.com` (no `/api/v1`). */
  baseUrl: string;
  /** Administrator user token; sent as the `Api-Access-Token` header, never logged. */
  apiToken: string;
  accountId: number;
  /** Per HTTP call, including reading the body. Default 10 000 ms. */
  timeoutMs?: number;
  /** Wraps every HTTP call (the rate limiter plugs in here). Default: call `fn` directly. */
  schedule?: <T>(fn: () => Promise<T>, call: CallInfo) => Promise<T>;
  /** Observer for every finished call, failed ones included (status 0 = network/timeout). */
  onCall?: (info: CallInfo & { status: number; durationMs: number }) => void;
  /** Default abort signal for every call; a per-call signal is combined with it. */
  signal?: AbortSignal;
}

/** One request as the resource modules describe it. */
export interface RequestSpec {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** Concrete path below `/api/v1/accounts/{accountId}`, ids already filled in. */
  path: string;
  /** Templated path for metrics, e.g. `/conversations/:id`. */
  template: string;
  query?: Record<string, string | number | boolean | undefined>;
  json?: unknown;
  form?: FormData;
  signal?: AbortSignal | undefined;
}

/**
 * Sends a request and hands the parsed JSON body (null when empty) to `parse`. A body `parse` cannot
 * understand ({@link UnexpectedShapeError}) becomes a `server` {@link ChatwootError} with the real status.
 */
export type RequestFn = <T>(spec: RequestSpec, parse: (body: unknown) => T) => Promise<T>;

const DEFAULT_TIMEOUT_MS = 10_000;

function buildQuery(query: RequestSpec['query']): string {
  if (!query) return '';
  const parts: string[] = [];
  for (const [key, value] of Object.entries(query)) {
    if (value === undefined) continue;
    // encodeURIComponent turns '+' into %2B: a raw '+' would decode to a space on the server.
    parts.push(`${encodeURIComponent(key)}=${encodeURIComponent(String(value))}`);
  }
  return parts.length ? `?${parts.join('&')}` : '';
}

function parseBody(text: string): unknown {
  if (text.trim() === '') return null;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

function combineSignals(signals: Array<AbortSignal | undefined>): AbortSignal | undefined {
  const present = signals.filter((s): s is AbortSignal => s !== undefined);
  if (present.length <= 1) return present[0];
  return AbortSignal.any(present);
}

/** Builds the low-level request function shared by all resource modules. */
export function createRequester(opts: ChatwootClientOptions): RequestFn {
  const root = `${opts.baseUrl.replace(/\/+$/, '')}/api/v1/accounts/${opts.accountId}`;
  const timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const schedule = opts.schedule ?? (<T>(fn: () => Promise<T>) => fn());

  return async function request<T>(spec: RequestSpec, parse: (body: unknown) => T): Promise<T> {
    const callerSignal = combineSignals([opts.signal, spec.signal]);
    const call: CallInfo = {
      method: spec.method,
      endpoint: `${spec.method} ${spec.template}`,
      signal: callerSignal,
    };
    callerSignal?.throwIfAborted();

    return schedule(async () => {
      callerSignal?.throwIfAborted();
      const timeoutSignal = AbortSignal.timeout(timeoutMs);
      const signal = callerSignal ? AbortSignal.any([callerSignal, timeoutSignal]) : timeoutSignal;
      const headers: Record<string, string> = {
        'Api-Access-Token': opts.apiToken,
        Accept: 'application/json',
      };
      let body: string | FormData | undefined;
      if (spec.form) body = spec.form;
      else if (spec.json !== undefined) {
        headers['Content-Type'] = 'application/json';
        body = JSON.stringify(spec.json);
      }
      const started = performance.now();
      const report = (status: number) => {
        try {
          opts.onCall?.({ ...call, status, durationMs: performance.now() - started });
        } catch {
          // An observer must never break a call.
        }
      };

      let status = 0;
      let text: string;
      let retryAfterHeader: string | null = null;
      try {
        const res = await fetch(`${root}${spec.path}${buildQuery(spec.query)}`, {
          method: spec.method,
          headers,
          body: body ?? null,
          signal,
        });
        status = res.status;
        retryAfterHeader = res.headers.get('retry-after');
        text = await res.text();
      } catch (err) {
        report(0);
        if (callerSignal?.aborted) throw err;
        const timedOut = timeoutSignal.aborted;
        throw new ChatwootError({
          status: 0,
          method: call.method,
          endpoint: call.endpoint,
          kind: timedOut ? 'timeout' : 'network',
          detail: timedOut ? `no response within ${timeoutMs} ms` : describeNetworkError(err),
          cause: err,
        });
      }
      report(status);
      const parsed = parseBody(text);
      if (status < 200 || status >= 300) {
        throw errorFromResponse({
          status,
          method: call.method,
          endpoint: call.endpoint,
          bodyText: text,
          body: parsed,
          retryAfterHeader,
          redact: opts.apiToken,
        });
      }
      try {
        return parse(parsed);
      } catch (err) {
        if (!(err instanceof UnexpectedShapeError)) throw err;
        throw new ChatwootError({
          status,
          method: call.method,
          endpoint: call.endpoint,
          kind: 'server',
          detail: `unexpected response: ${err.message}`,
          cause: parsed,
        });
      }
    }, call);
  };
}

function describeNetworkError(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const cause = err.cause;
  if (cause instanceof Error) {
    const code = (cause as Error & { code?: unknown }).code;
    return typeof code === 'string' ? `${err.message} (${code})` : `${err.message} (${cause.message})`;
  }
  return err.message;
}
