import type { DeadLetterEntry } from '@relay/queue';

const REASON_WIDTH = 60;

/** `4915112345678@c.us` → `***5678@c.us`: enough to tell chats apart in a table, not enough to dial. */
export function maskChat(chatId: string | null): string {
  if (!chatId) return '-';
  const at = chatId.indexOf('@');
  const local = at === -1 ? chatId : chatId.slice(0, at);
  const domain = at === -1 ? '' : chatId.slice(at);
  return `***${local.replace(/\D/g, '').slice(-4)}${domain}`;
}

/** Epoch ms → `2025-01-31 10:00:05Z`. */
export function formatTime(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 19).replace('T', ' ')}Z`;
}

function shortReason(error: string): string {
  const line = (error.split('\n')[0] ?? '').trim();
  return line.length > REASON_WIDTH ? `${line.slice(0, REASON_WIDTH - 1)}…` : line;
}

function table(header: string[], rows: string[][]): string {
  const widths = header.map((title, i) => Math.max(title.length, ...rows.map((row) => row[i]?.length ?? 0)));
  const line = (cells: string[]) =>
    cells
      .map((cell, i) => (i === cells.length - 1 ? cell : cell.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line)].join('\n');
}

/** The `relay dlq list` table, newest failure first, with a footer saying which part of `total` it shows. */
export function formatEntryTable(entries: DeadLetterEntry[], total: number, offset: number): string {
  if (total === 0) return 'no dead-letter entries match\n';
  const rows = entries.map((entry) => [
    entry.id,
    formatTime(entry.lastFailedAt),
    entry.tenant ?? '-',
    maskChat(entry.chatId),
    entry.errorClass,
    `${entry.overtaken ? '[overtaken] ' : ''}${shortReason(entry.lastError)}`,
  ]);
  const body = table(['ID', 'LAST FAILURE', 'TENANT', 'CHAT', 'ERROR CLASS', 'REASON'], rows);
  const shown =
    entries.length === 0
      ? `no entries at offset ${offset} of ${total}`
      : entries.length === total
        ? `${total} ${total === 1 ? 'entry' : 'entries'}`
        : `entries ${offset + 1}-${offset + entries.length} of ${total} (--offset/--limit for more)`;
  return `${entries.length > 0 ? `${body}\n` : ''}${shown}\n`;
}

/** `relay dlq show <id>`: every field, the payload pretty-printed. */
export function formatEntry(entry: DeadLetterEntry): string {
  const fields: Array<[string, string]> = [
    ['id', entry.id],
    ['source', `${entry.sourceQueue} / job ${entry.sourceJobId}`],
    ['job name', entry.jobName],
    ['tenant', entry.tenant ?? '-'],
    ['chat', entry.chatId ?? '-'],
    ['message', entry.messageId ?? '-'],
    ['error class', entry.errorClass],
    ['last error', entry.lastError],
    ['attempts', String(entry.attemptsMade)],
    ['first failed', formatTime(entry.firstFailedAt)],
    ['last failed', formatTime(entry.lastFailedAt)],
    ['overtaken', entry.overtaken ? 'yes: later messages of this chat were processed after it' : 'no'],
    [
      'replays',
      entry.replays === 0 ? '0' : `${entry.replays} (last as job ${entry.sourceJobId}-r${entry.replays})`,
    ],
  ];
  const width = Math.max(...fields.map(([name]) => name.length)) + 1;
  const head = fields.map(([name, value]) => `${`${name}:`.padEnd(width)}  ${value}`).join('\n');
  const payload = JSON.stringify(entry.payload, null, 2) ?? 'undefined';
  const stack = entry.stack ? `\nstack:\n${entry.stack}\n` : '';
  return `${head}\npayload:\n${payload}\n${stack}`;
}
