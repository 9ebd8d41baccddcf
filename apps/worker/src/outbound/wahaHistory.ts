import type { TenantConfig } from '@relay/config';
import { parseSerializedMessageId } from '@relay/domain';
import { classifyStatus, WahaError } from '@relay/waha-client';

/** One of our own messages in a chat's history, as far as reconciling a send needs it. */
export interface HistoryMessage {
  waId: string;
  rawId: string;
  /** Unix seconds. */
  timestamp: number;
  body: string | null;
  hasMedia: boolean;
}

const ENDPOINT = 'GET /api/:session/chats/:chatId/messages';
const TIMEOUT_MS = 10_000;

function idOf(value: unknown): string | null {
  if (typeof value === 'string') return value;
  if (typeof value === 'object' && value !== null && '_serialized' in value) {
    const serialized = (value as { _serialized: unknown })._serialized;
    return typeof serialized === 'string' ? serialized : null;
  }
  return null;
}

/**
 * The chat's latest messages sent from our number (`GET /api/{session}/chats/{chatId}/messages?fromMe=true`,
 * waha.md §3.2), used to find out whether a send whose answer was lost did reach WhatsApp. Failures are
 * {@link WahaError}s, so the retry policy treats them like every other WAHA call.
 */
export async function recentOwnMessages(
  waha: TenantConfig['waha'],
  session: string,
  chatId: string,
  signal?: AbortSignal,
): Promise<HistoryMessage[]> {
  const url = new URL(
    `api/${encodeURIComponent(session)}/chats/${encodeURIComponent(chatId)}/messages`,
    waha.baseUrl.endsWith('/') ? waha.baseUrl : `${waha.baseUrl}/`,
  );
  url.searchParams.set('limit', '50');
  url.searchParams.set('fromMe', 'true');
  url.searchParams.set('downloadMedia', 'false');
  let res: Response;
  try {
    const timeout = AbortSignal.timeout(TIMEOUT_MS);
    res = await fetch(url, {
      headers: { Accept: 'application/json', ...(waha.apiKey ? { 'X-Api-Key': waha.apiKey } : {}) },
      signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
    });
  } catch (error) {
    if (signal?.aborted) throw signal.reason;
    throw new WahaError({
      status: 0,
      method: 'GET',
      endpoint: ENDPOINT,
      kind: 'network',
      detail: (error as Error).message,
      cause: error,
    });
  }
  const text = await res.text();
  if (!res.ok) {
    const detail = text.slice(0, 200);
    throw new WahaError({
      status: res.status,
      method: 'GET',
      endpoint: ENDPOINT,
      kind: classifyStatus(res.status, detail),
      detail,
    });
  }
  const body = JSON.parse(text) as unknown;
  if (!Array.isArray(body)) return [];
  const out: HistoryMessage[] = [];
  for (const item of body as Array<Record<string, unknown>>) {
    const waId = idOf(item?.id);
    const parsed = waId ? parseSerializedMessageId(waId) : null;
    if (!waId || !parsed?.fromMe) continue;
    out.push({
      waId,
      rawId: parsed.rawId,
      timestamp: typeof item.timestamp === 'number' ? item.timestamp : 0,
      body: typeof item.body === 'string' ? item.body : null,
      hasMedia: item.hasMedia === true,
    });
  }
  return out;
}
