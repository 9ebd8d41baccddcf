/** `startChatwootSimulator`: an in-memory Chatwoot Application API on a real HTTP server. */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { FaultQueue, FixedWindowLimiter, type ListedFault } from './faults.js';
import type { SimSettings } from './router.js';
import { createListener } from './server.js';
import { SimStore } from './store.js';
import type {
  ChatwootSimulatorOptions,
  SimContact,
  SimContactInbox,
  SimConversation,
  SimConversationStatus,
  SimFault,
  SimInbox,
  SimInboxInput,
  SimMessage,
  SimRateLimit,
  SimRequest,
} from './types.js';

/** A running simulator: URL, recorded requests, fault/latency/rate-limit controls and state access. */
export interface ChatwootSimulator {
  /** Base URL, e.g. `http://127.0.0.1:43123` (use as the client's `baseUrl`). */
  readonly url: string;
  /** Every account API request answered so far (not `/__sim`), oldest first. */
  readonly requests: SimRequest[];
  /** Stops the server, dropping open connections and pending hangs. */
  close(): Promise<void>;
  clearRequests(): void;
  /** Queues a fault; faults are consumed in order, each `count` times. */
  injectFault(fault: SimFault): void;
  clearFaults(): void;
  /** Pending faults (RegExps as source strings). */
  pendingFaults(): ListedFault[];
  setLatency(ms: number): void;
  setRateLimit(limit: SimRateLimit | null): void;
  setLabelMode(mode: 'source' | 'seed'): void;
  /** Contacts of an account, by id. */
  contacts(accountId: number): SimContact[];
  /** Conversations of an account, by display id (`id` is the global id, `displayId` the API one). */
  conversations(accountId: number): SimConversation[];
  /** Messages of one conversation in insertion order. */
  messages(accountId: number, conversationDisplayId: number): SimMessage[];
  /** All messages of an account, by insertion order (`seq`). */
  allMessages(accountId: number): SimMessage[];
  contactInboxes(accountId: number): SimContactInbox[];
  inboxes(accountId: number): SimInbox[];
  accountLabels(accountId: number): string[];
  setConversationStatus(accountId: number, displayId: number, status: SimConversationStatus): void;
  /** Creates an account Label (lower-cased), relevant for `labelMode: 'seed'`. */
  createAccountLabel(accountId: number, title: string): void;
  addInbox(input: SimInboxInput): SimInbox;
}

/** Starts a simulator; see {@link ChatwootSimulatorOptions} for defaults. */
export async function startChatwootSimulator(
  opts: ChatwootSimulatorOptions = {},
): Promise<ChatwootSimulator> {
  const store = new SimStore();
  for (const inbox of opts.inboxes ?? [{ accountId: 1, id: 1, name: 'WhatsApp (sim)' }])
    store.addInbox(inbox);
  const tokens = { ...(opts.tokens ?? { 'sim-token': 1 }) };
  for (const accountId of Object.values(tokens)) store.account(accountId);
  const settings: SimSettings = {
    labelMode: opts.labelMode ?? 'source',
    messagesPerMinuteLimit: opts.messagesPerMinuteLimit === undefined ? 200 : opts.messagesPerMinuteLimit,
    baseUrl: '',
  };
  const faults = new FaultQueue();
  const limiter = new FixedWindowLimiter(opts.rateLimit ?? null);
  const requests: SimRequest[] = [];
  const timers = new Set<NodeJS.Timeout>();
  let latencyMs = opts.latencyMs ?? 0;

  const byInsertion = (a: SimMessage, b: SimMessage) => a.seq - b.seq;
  const sim: ChatwootSimulator = {
    url: '',
    requests,
    close: async () => {
      for (const t of timers) clearTimeout(t);
      timers.clear();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
    clearRequests: () => {
      requests.length = 0;
    },
    injectFault: (fault) => faults.add(fault),
    clearFaults: () => faults.clear(),
    pendingFaults: () => faults.list(),
    setLatency: (ms) => {
      latencyMs = ms;
    },
    setRateLimit: (limit) => limiter.set(limit),
    setLabelMode: (mode) => {
      settings.labelMode = mode;
    },
    contacts: (accountId) => [...store.account(accountId).contacts.values()].sort((a, b) => a.id - b.id),
    conversations: (accountId) =>
      [...store.account(accountId).conversations.values()].sort((a, b) => a.displayId - b.displayId),
    messages: (accountId, displayId) => [...(store.account(accountId).messages.get(displayId) ?? [])],
    allMessages: (accountId) => [...store.account(accountId).messages.values()].flat().sort(byInsertion),
    contactInboxes: (accountId) =>
      [...store.contactInboxes.values()].filter((ci) => store.account(accountId).contacts.has(ci.contactId)),
    inboxes: (accountId) => [...store.inboxes.values()].filter((i) => i.accountId === accountId),
    accountLabels: (accountId) => [...store.account(accountId).labels],
    setConversationStatus: (accountId, displayId, status) => {
      const conversation = store.conversation(accountId, displayId);
      conversation.status = status;
      conversation.updated_at = Date.now() / 1000;
    },
    createAccountLabel: (accountId, title) => {
      store.account(accountId).labels.add(title.toLowerCase());
    },
    addInbox: (input) => store.addInbox(input),
  };

  const listener = createListener({
    sim,
    store,
    settings,
    faults,
    limiter,
    tokens,
    latencyMs: () => latencyMs,
    requests,
    timers,
  });
  const server = createServer((req, res) => {
    void listener(req, res);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, opts.host ?? '127.0.0.1', () => resolve());
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const url = `http://${host}:${address.port}`;
  settings.baseUrl = url;
  Object.assign(sim, { url });
  return sim;
}
