import type { MultipartFile } from './multipart.js';
import type { SimStore } from './store.js';

/** Behaviour switches shared by the handlers (mutable at runtime). */
export interface SimSettings {
  labelMode: 'source' | 'seed';
  messagesPerMinuteLimit: number | null;
  /** Public base URL of the simulator (for attachment `data_url`s). */
  baseUrl: string;
}

/** What a handler gets for one account API request. */
export interface SimContext {
  store: SimStore;
  settings: SimSettings;
  accountId: number;
  params: Record<string, string>;
  query: URLSearchParams;
  /** JSON body, or the plain fields of a multipart body; {} when absent. */
  body: Record<string, unknown>;
  files: MultipartFile[];
}

/** A handler's answer; `status` defaults to 200. */
export interface SimResult {
  status?: number;
  body: unknown;
}

/** Handles one route; throws `SimHttpError` for error answers. */
export type SimHandler = (ctx: SimContext) => SimResult;

/** One route below `/api/v1/accounts/:accountId`. */
export interface SimRoute {
  method: string;
  /** e.g. `/conversations/:id/messages`, same templates as the client's endpoints. */
  template: string;
  handler: SimHandler;
}

/** Finds the route for a sub-path (below the account prefix) and extracts its params. */
export function matchRoute(
  routes: SimRoute[],
  method: string,
  subPath: string,
): { route: SimRoute; params: Record<string, string> } | null {
  const parts = subPath.split('/').filter(Boolean);
  for (const route of routes) {
    if (route.method !== method) continue;
    const templateParts = route.template.split('/').filter(Boolean);
    if (templateParts.length !== parts.length) continue;
    const params: Record<string, string> = {};
    const ok = templateParts.every((t, i) => {
      const actual = parts[i] ?? '';
      if (t.startsWith(':')) {
        params[t.slice(1)] = decodeURIComponent(actual);
        return true;
      }
      return t === actual;
    });
    if (ok) return { route, params };
  }
  return null;
}
