/** Out-of-process control API under `/__sim/*` (no token needed). */
import type { ChatwootSimulator } from './simulator.js';
import type { SimConversationStatus, SimFault, SimInboxInput } from './types.js';

/** The answer of a control request. */
export interface ControlResult {
  status: number;
  body: unknown;
}

function record(v: unknown): Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
}

/**
 * Fault as sent over HTTP: `endpoint` a string, or `endpointPattern` a RegExp source; `requestBodyPattern` a RegExp
 * source matched against the request body; `responseBody` any JSON.
 */
function faultFromJson(body: Record<string, unknown>): SimFault {
  const fault: SimFault = { count: Number(body.count ?? 1) };
  if (typeof body.endpointPattern === 'string') fault.endpoint = new RegExp(body.endpointPattern);
  else if (typeof body.endpoint === 'string') fault.endpoint = body.endpoint;
  if (typeof body.method === 'string') fault.method = body.method;
  if (typeof body.status === 'number') fault.status = body.status;
  if (typeof body.timeoutMs === 'number') fault.timeoutMs = body.timeoutMs;
  if (typeof body.headers === 'object' && body.headers !== null)
    fault.headers = body.headers as Record<string, string>;
  if (typeof body.requestBodyPattern === 'string') fault.requestBody = new RegExp(body.requestBodyPattern);
  if (body.responseBody !== undefined) fault.responseBody = body.responseBody;
  return fault;
}

/** Handles `/__sim/...`; returns null for unknown control paths. */
export function handleControl(
  sim: ChatwootSimulator,
  method: string,
  url: URL,
  rawBody: unknown,
): ControlResult | null {
  const body = record(rawBody);
  const key = `${method} ${url.pathname.replace(/\/+$/, '')}`;
  const accountId = Number(url.searchParams.get('accountId') ?? body.accountId ?? 1);
  switch (key) {
    case 'GET /__sim/requests':
      return { status: 200, body: { requests: sim.requests } };
    case 'DELETE /__sim/requests':
      sim.clearRequests();
      return { status: 204, body: null };
    case 'GET /__sim/faults':
      return { status: 200, body: { faults: sim.pendingFaults() } };
    case 'POST /__sim/faults':
      sim.injectFault(faultFromJson(body));
      return { status: 201, body: { faults: sim.pendingFaults() } };
    case 'DELETE /__sim/faults':
      sim.clearFaults();
      return { status: 204, body: null };
    case 'GET /__sim/state':
      return {
        status: 200,
        body: {
          accountId,
          contacts: sim.contacts(accountId),
          conversations: sim.conversations(accountId),
          messages: sim.allMessages(accountId),
          labels: sim.accountLabels(accountId),
          inboxes: sim.inboxes(accountId),
        },
      };
    case 'POST /__sim/latency':
      sim.setLatency(Number(body.ms ?? 0));
      return { status: 204, body: null };
    case 'POST /__sim/rate-limit':
      sim.setRateLimit(
        typeof body.limit === 'number'
          ? { limit: body.limit, windowMs: Number(body.windowMs ?? 60_000) }
          : null,
      );
      return { status: 204, body: null };
    case 'POST /__sim/labels':
      sim.createAccountLabel(accountId, String(body.title));
      return { status: 201, body: { labels: sim.accountLabels(accountId) } };
    case 'POST /__sim/inboxes':
      return { status: 201, body: sim.addInbox(body as unknown as SimInboxInput) };
    case 'POST /__sim/conversation-status':
      sim.setConversationStatus(
        accountId,
        Number(body.displayId),
        String(body.status) as SimConversationStatus,
      );
      return { status: 204, body: null };
    default:
      return null;
  }
}
