/**
 * Budget utilisation of @relay/rate-limit: drives one token key (and a second, independent key at the same time)
 * from 1 and then from N worker processes, and prints calls made, utilisation of the budget and the largest count
 * seen in any sliding window, side by side.
 *
 *   node --import tsx bench/budget.ts [--per 20] [--window-ms 3000] [--windows 4] [--procs 1,3] [--callers 3]
 *
 * Uses REDIS_URL, else redis://127.0.0.1:6379.
 */
import { randomUUID } from 'node:crypto';
import { cpus } from 'node:os';
import { parseArgs } from 'node:util';
import { spacingMs } from '@relay/rate-limit';
import { Redis } from 'ioredis';
import { type DriveConfig, measureKey, runDrivers } from '../packages/rate-limit/src/fixtures/runDrivers.js';

const { values } = parseArgs({
  options: {
    per: { type: 'string', default: '20' },
    'window-ms': { type: 'string', default: '3000' },
    windows: { type: 'string', default: '4' },
    procs: { type: 'string', default: '1,3' },
    callers: { type: 'string', default: '3' },
  },
});
const perWindow = Number(values.per);
const windowMs = Number(values['window-ms']);
const durationMs = windowMs * Number(values.windows);
const callers = Number(values.callers);
const procCounts = values.procs.split(',').map(Number);
const url = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

const redis = new Redis(url);
const info = await redis.info('server');
const redisVersion = /redis_version:(\S+)/.exec(info)?.[1] ?? '?';
console.log(`command: node --import tsx bench/budget.ts ${process.argv.slice(2).join(' ')}`.trimEnd());
console.log(
  `node ${process.version}, ${cpus().length} CPU(s) (${cpus()[0]?.model ?? '?'}), Redis ${redisVersion} at ${url}`,
);
const keyA = { key: 'aaaaaaaaaaaaaaaa', perWindow, windowMs, callers };
const keyB = { key: 'bbbbbbbbbbbbbbbb', perWindow: Math.round(perWindow * 1.5), windowMs, callers };
for (const k of [keyA, keyB]) {
  console.log(
    `key ${k.key.slice(0, 4)}…: budget ${k.perWindow} per ${k.windowMs} ms, minTime ${spacingMs(k)} ms`,
  );
}
console.log(`${durationMs} ms per run (${values.windows} windows), ${callers} callers per key per process\n`);

const rows: string[][] = [];
for (const procs of procCounts) {
  const prefix = `bench-rl-${randomUUID().slice(0, 8)}`;
  const startAt = Date.now() + 2_500;
  const config: DriveConfig = { url, prefix, startAt, durationMs, keys: [keyA, keyB] };
  const results = await runDrivers(Array.from({ length: procs }, () => config));
  const errors = results.flatMap((r) => r.errors);
  const deferrals = results.reduce((sum, r) => sum + r.deferrals, 0);
  for (const k of [keyA, keyB]) {
    const m = await measureKey(redis, prefix, k, startAt, durationMs);
    rows.push([
      String(procs),
      `${k.key.slice(0, 4)}… ${k.perWindow}/${k.windowMs}ms`,
      String(m.calls),
      String(m.budgetCalls),
      `${(m.utilisation * 100).toFixed(1)} %`,
      `${m.maxInWindow} / ${k.perWindow}`,
      String(deferrals),
      String(errors.length),
    ]);
  }
  await redis.del(`${prefix}:calls:${keyA.key}`, `${prefix}:calls:${keyB.key}`);
}
const header = [
  'procs',
  'key budget',
  'calls',
  'budget',
  'utilisation',
  'max in sliding window',
  'deferrals',
  'errors',
];
const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
console.log(line(header));
console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
for (const r of rows) console.log(line(r));
redis.disconnect();
