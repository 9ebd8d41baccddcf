import { parseArgs } from 'node:util';
import { ConfigError, loadConfig } from '@relay/config';
import {
  createDeadLetters,
  type DeadLetterFilter,
  type DeadLetterSelection,
  type DeadLetters,
  isEmptyDeadLetterFilter,
  parseTimeBound,
} from '@relay/queue';
import { Redis } from 'ioredis';
import { formatEntry, formatEntryTable } from './dlqFormat.js';

export const DLQ_HELP = `relay dlq: inspect, replay and discard dead-lettered jobs (messages that failed for good).

Usage:
  relay dlq list [filters] [--offset N] [--limit N] [--json]
  relay dlq show <id> [--json]
  relay dlq replay (<id>… | filters | --all) [--dry-run] [--yes] [--limit N] [--batch-size N] [--json]
  relay dlq discard (<id>… | filters | --all) [--dry-run] [--yes] [--limit N] [--batch-size N] [--json]

Filters:
  --tenant <id>          tenant id
  --chat <chat>          chat id (4915112345678@c.us) or phone digits / E.164 (+49 151 1234 5678)
  --error-class <class>  e.g. chatwoot_unauthorized, invalid_payload
  --since <time>         last failure at or after: ISO date/time, epoch ms, or a duration back from now (2h, 30m, 7d)
  --until <time>         last failure at or before (same forms)
  --search <text>        part of an entry id, job id, WhatsApp message id or Chatwoot message id

Options:
  --limit N        list: page size (default 50); replay/discard: handle at most N entries, oldest failure first
  --offset N       list: skip the first N entries (newest first)
  --dry-run        replay/discard: count what would be touched, change nothing
  --yes            replay/discard: required to act on more than one entry
  --all            replay/discard: select every entry (no filter)
  --batch-size N   replay/discard: entries per batch (default 100); progress goes to stderr
  --json           machine-readable output on stdout

A replay adds a fresh job (<job id>-r<n>) to the chat's queue and removes the entry; the exactly-once ledger still
applies, so a message that already reached Chatwoot is not created again.
Reads REDIS_URL and REDIS_PREFIX. Exit codes: 0 done, 1 error (Redis, unknown id), 2 bad usage.
`;

interface Output {
  write(chunk: string): unknown;
}

export interface DlqCommandDeps {
  /** Environment for `REDIS_URL` / `REDIS_PREFIX`; default `process.env`. */
  env?: NodeJS.ProcessEnv;
  stdout?: Output;
  stderr?: Output;
  /** A store to use instead of connecting to Redis (it is not closed). */
  deadLetters?: DeadLetters;
  now?: () => number;
}

const SUBCOMMANDS = ['list', 'show', 'replay', 'discard'] as const;
type Subcommand = (typeof SUBCOMMANDS)[number];

const OPTIONS = {
  tenant: { type: 'string' },
  chat: { type: 'string' },
  'error-class': { type: 'string' },
  since: { type: 'string' },
  until: { type: 'string' },
  search: { type: 'string' },
  limit: { type: 'string' },
  offset: { type: 'string' },
  'batch-size': { type: 'string' },
  json: { type: 'boolean' },
  'dry-run': { type: 'boolean' },
  yes: { type: 'boolean', short: 'y' },
  all: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

type Values = ReturnType<typeof parseArgs<{ options: typeof OPTIONS; allowPositionals: true }>>['values'];

class UsageError extends Error {}

function count(n: number, what = 'entry'): string {
  return `${n} ${n === 1 ? what : what.replace(/y$/, 'ies')}`;
}

function positiveInt(
  values: Values,
  name: 'limit' | 'offset' | 'batch-size',
  min: number,
): number | undefined {
  const raw = values[name];
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (!/^\d+$/.test(raw) || n < min)
    throw new UsageError(`--${name} expects an integer ≥ ${min}, got "${raw}"`);
  return n;
}

function filterOf(values: Values, now: number): DeadLetterFilter {
  const time = (name: 'since' | 'until') => {
    const raw = values[name];
    if (raw === undefined) return undefined;
    const ms = parseTimeBound(raw, now);
    if (ms === null)
      throw new UsageError(`--${name} expects an ISO date, epoch ms or a duration (2h), got "${raw}"`);
    return ms;
  };
  const filter: DeadLetterFilter = {};
  if (values.tenant !== undefined) filter.tenant = values.tenant;
  if (values.chat !== undefined) filter.chat = values.chat;
  if (values['error-class'] !== undefined) filter.errorClass = values['error-class'];
  if (values.search !== undefined) filter.search = values.search;
  const from = time('since');
  const to = time('until');
  if (from !== undefined) filter.from = from;
  if (to !== undefined) filter.to = to;
  return filter;
}

function openStore(env: NodeJS.ProcessEnv): { deadLetters: DeadLetters; close: () => Promise<void> } {
  const config = loadConfig(env, { tenants: [] });
  // An operator's one-shot command: give up on an unreachable Redis after a few tries instead of hanging.
  const connection = new Redis(config.redisUrl, {
    maxRetriesPerRequest: 1,
    connectTimeout: 3000,
    retryStrategy: (times) => (times > 3 ? null : 200 * times),
  });
  connection.on('error', () => {
    // Every command that needs the connection rejects with the cause; reported there.
  });
  const deadLetters = createDeadLetters({ connection, prefix: config.redisPrefix });
  return {
    deadLetters,
    async close() {
      await deadLetters.close().catch(() => {});
      connection.disconnect();
    },
  };
}

interface Io {
  out: (text: string) => void;
  err: (text: string) => void;
  json: boolean;
}

async function list(dl: DeadLetters, values: Values, positionals: string[], io: Io, now: number) {
  if (positionals.length > 0) throw new UsageError(`list takes no arguments (got "${positionals[0]}")`);
  const offset = positiveInt(values, 'offset', 0) ?? 0;
  const limit = positiveInt(values, 'limit', 1) ?? 50;
  const { entries, total } = await dl.list(filterOf(values, now), { offset, limit });
  io.out(
    io.json
      ? `${JSON.stringify({ entries, total, offset, limit }, null, 2)}\n`
      : formatEntryTable(entries, total, offset),
  );
  return 0;
}

async function show(dl: DeadLetters, positionals: string[], io: Io) {
  if (positionals.length !== 1) throw new UsageError('show takes exactly one entry id');
  const id = positionals[0]!;
  const entry = await dl.get(id);
  if (!entry) {
    io.err(`relay dlq: no dead-letter entry "${id}"\n`);
    return 1;
  }
  io.out(io.json ? `${JSON.stringify(entry, null, 2)}\n` : formatEntry(entry));
  return 0;
}

async function bulk(
  action: 'replay' | 'discard',
  dl: DeadLetters,
  values: Values,
  positionals: string[],
  io: Io,
  now: number,
) {
  const filter = filterOf(values, now);
  const hasFilter = !isEmptyDeadLetterFilter(filter);
  if (positionals.length > 0 && (hasFilter || values.all)) {
    throw new UsageError(`${action}: give entry ids or filters/--all, not both`);
  }
  if (positionals.length === 0 && !hasFilter && !values.all) {
    throw new UsageError(`${action}: give entry ids, at least one filter, or --all`);
  }
  const selection: DeadLetterSelection = positionals.length > 0 ? { ids: positionals } : { filter };
  const limit = positiveInt(values, 'limit', 1);
  const batchSize = positiveInt(values, 'batch-size', 1);
  const past = action === 'replay' ? 'replayed' : 'discarded';

  const run = (opts: Parameters<DeadLetters['replay']>[1]) =>
    action === 'replay'
      ? dl.replay(selection, opts)
      : dl.discard(selection, opts).then((r) => ({ ...r, replayed: r.discarded, jobIds: [] as string[] }));

  const preview = await run({ dryRun: true, limit });
  if (preview.missing.length > 0) {
    io.err(
      `relay dlq: no dead-letter ${preview.missing.length === 1 ? 'entry' : 'entries'} ${preview.missing.map((id) => `"${id}"`).join(', ')}; nothing ${past}\n`,
    );
    return 1;
  }
  const selected = Math.min(preview.matched, limit ?? Number.POSITIVE_INFINITY);
  const summary = (done: number, jobIds: string[], dryRun: boolean) =>
    io.json
      ? `${JSON.stringify({ matched: preview.matched, selected, dryRun, [past]: done, ...(action === 'replay' ? { jobIds } : {}) }, null, 2)}\n`
      : '';
  if (!io.json) {
    io.out(
      `${count(selected)} ${selected === 1 ? 'matches' : 'match'}${selected < preview.matched ? ` (of ${preview.matched}; --limit ${limit}, oldest first)` : ''}\n`,
    );
  }
  if (selected === 0 || values['dry-run']) {
    io.out(
      io.json
        ? summary(0, [], true)
        : selected === 0
          ? ''
          : `dry run: would ${action} ${count(selected)}; nothing changed\n`,
    );
    return 0;
  }
  if (selected > 1 && !values.yes) {
    io.err(
      `relay dlq: refusing to ${action} ${count(selected)} without --yes (check them with --dry-run first)\n`,
    );
    return 2;
  }
  const result = await run({
    limit: selected,
    batchSize,
    onProgress: selected > 1 ? (done, total) => io.err(`${past} ${done}/${total}\n`) : undefined,
  });
  if (io.json) {
    io.out(summary(result.replayed, result.jobIds, false));
  } else {
    const jobs =
      action === 'replay' && result.jobIds.length > 0 && result.jobIds.length <= 10
        ? ` as job${result.jobIds.length === 1 ? '' : 's'} ${result.jobIds.join(', ')}`
        : '';
    const short = result.replayed < selected ? ` (${selected - result.replayed} left the DLQ meanwhile)` : '';
    io.out(`${past} ${count(result.replayed)}${jobs}${short}\n`);
  }
  return 0;
}

/** `relay dlq …`: `argv` is what follows `dlq`. Resolves to the exit code: 0 done, 1 error, 2 bad usage. */
export async function runDlqCommand(argv: string[], deps: DlqCommandDeps = {}): Promise<number> {
  const stdout = deps.stdout ?? process.stdout;
  const stderr = deps.stderr ?? process.stderr;
  const [sub, ...rest] = argv;
  if (!sub || sub === 'help' || sub === '--help' || sub === '-h') {
    (sub ? stdout : stderr).write(DLQ_HELP);
    return sub ? 0 : 2;
  }
  const usage = (message: string) => {
    stderr.write(`relay dlq: ${message}\nSee \`relay dlq --help\`.\n`);
    return 2;
  };
  if (!(SUBCOMMANDS as readonly string[]).includes(sub)) {
    return usage(`unknown command "${sub}"; expected one of ${SUBCOMMANDS.join(', ')}`);
  }
  let parsed: { values: Values; positionals: string[] };
  try {
    parsed = parseArgs({ args: rest, options: OPTIONS, allowPositionals: true, strict: true });
  } catch (error) {
    return usage((error as Error).message);
  }
  const { values, positionals } = parsed;
  if (values.help) {
    stdout.write(DLQ_HELP);
    return 0;
  }

  let store: { deadLetters: DeadLetters; close: () => Promise<void> };
  if (deps.deadLetters) {
    store = { deadLetters: deps.deadLetters, close: async () => {} };
  } else {
    try {
      store = openStore(deps.env ?? process.env);
    } catch (error) {
      if (error instanceof ConfigError) {
        stderr.write(`relay dlq: ${error.message}\n`);
        return 2;
      }
      throw error;
    }
  }
  const io: Io = {
    out: (text) => void stdout.write(text),
    err: (text) => void stderr.write(text),
    json: values.json === true,
  };
  const now = (deps.now ?? Date.now)();
  try {
    switch (sub as Subcommand) {
      case 'list':
        return await list(store.deadLetters, values, positionals, io, now);
      case 'show':
        return await show(store.deadLetters, positionals, io);
      case 'replay':
        return await bulk('replay', store.deadLetters, values, positionals, io, now);
      case 'discard':
        return await bulk('discard', store.deadLetters, values, positionals, io, now);
    }
  } catch (error) {
    if (error instanceof UsageError) return usage(error.message);
    stderr.write(`relay dlq: ${sub} failed: ${(error as Error).message}\n`);
    return 1;
  } finally {
    await store.close();
  }
  return 1;
}
