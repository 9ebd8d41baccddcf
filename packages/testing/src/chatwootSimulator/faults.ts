/** Fault injection: a queue of faults consumed in order, each `count` times. */
import type { SimFault } from './types.js';

/** What a matched fault asks the server to do. */
export type FaultAction =
  | { kind: 'status'; status: number; headers: Record<string, string>; body?: unknown }
  | { kind: 'hang'; timeoutMs: number };

/** A pending fault as listed: RegExps as their source. */
export type ListedFault = Omit<SimFault, 'endpoint' | 'requestBody'> & {
  endpoint?: string;
  requestBody?: string;
};

function endpointMatches(
  fault: SimFault,
  method: string,
  template: string,
  path: string,
  body: () => string,
): boolean {
  if (fault.method && fault.method.toUpperCase() !== method) return false;
  if (fault.requestBody && !fault.requestBody.test(body())) return false;
  const pattern = fault.endpoint;
  if (pattern === undefined) return true;
  const endpoint = `${method} ${template}`;
  if (typeof pattern === 'string') return pattern === template || pattern === endpoint;
  return pattern.test(endpoint) || pattern.test(path);
}

/** Holds pending faults; `take` consumes the first one matching a request. */
export class FaultQueue {
  private readonly pending: SimFault[] = [];

  /** Appends a fault (copied; `count` ≤ 0 is ignored). */
  add(fault: SimFault): void {
    if (fault.count > 0) this.pending.push({ ...fault });
  }

  /** Drops every pending fault. */
  clear(): void {
    this.pending.length = 0;
  }

  /** Pending faults (copies, RegExps as their source). */
  list(): ListedFault[] {
    return this.pending.map(({ endpoint, requestBody, ...rest }) => ({
      ...rest,
      ...(endpoint === undefined
        ? {}
        : { endpoint: endpoint instanceof RegExp ? endpoint.source : endpoint }),
      ...(requestBody === undefined ? {} : { requestBody: requestBody.source }),
    }));
  }

  /** Consumes one use of the first fault matching this request (`body`: its raw body, read only if needed). */
  take(method: string, template: string, path: string, body: Buffer = Buffer.alloc(0)): FaultAction | null {
    let text: string | undefined;
    const bodyText = () => {
      text ??= body.toString('utf8');
      return text;
    };
    const index = this.pending.findIndex((f) => endpointMatches(f, method, template, path, bodyText));
    const fault = this.pending[index];
    if (!fault) return null;
    fault.count -= 1;
    if (fault.count <= 0) this.pending.splice(index, 1);
    if (fault.timeoutMs !== undefined) return { kind: 'hang', timeoutMs: fault.timeoutMs };
    return {
      kind: 'status',
      status: fault.status ?? 500,
      headers: fault.headers ?? {},
      ...(fault.responseBody === undefined ? {} : { body: fault.responseBody }),
    };
  }
}

/** Per-token fixed windows aligned on the epoch, like rack-attack's throttle. */
export class FixedWindowLimiter {
  private readonly counters = new Map<string, { window: number; count: number }>();

  constructor(private limit: { limit: number; windowMs: number } | null) {}

  /** Replaces the limit (null = off) and forgets the counters. */
  set(limit: { limit: number; windowMs: number } | null): void {
    this.limit = limit;
    this.counters.clear();
  }

  /** Counts a request; returns false when it is over the limit. */
  allow(key: string, nowMs: number = Date.now()): boolean {
    if (!this.limit) return true;
    const window = Math.floor(nowMs / this.limit.windowMs);
    const counter = this.counters.get(key);
    if (!counter || counter.window !== window) {
      this.counters.set(key, { window, count: 1 });
      return 1 <= this.limit.limit;
    }
    counter.count += 1;
    return counter.count <= this.limit.limit;
  }
}
