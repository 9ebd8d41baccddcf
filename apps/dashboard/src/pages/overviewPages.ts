import type { TokenBudgetView } from '../budget.js';
import { formatAge, formatTime, html, type SafeHtml } from '../html.js';
import type { QueueHealth } from '../queueHealth.js';

/** Queue health: totals, then every queue that has anything in it (empty partitions are folded). */
export function healthPage(opts: { base: string; queues: QueueHealth[]; deadLetters: number }): SafeHtml {
  const inbound = opts.queues.filter((queue) => queue.queue !== 'dead-letter');
  const sum = (pick: (queue: QueueHealth) => number) =>
    inbound.reduce((total, queue) => total + pick(queue), 0);
  const workers = Math.max(0, ...inbound.map((queue) => queue.workers));
  const busy = inbound.filter(
    (queue) => queue.depth + queue.active + queue.failed > 0 || queue.pausedForMs > 0,
  );
  const oldest = Math.max(0, ...inbound.map((queue) => queue.oldestAgeSeconds));
  const noWorkers = inbound.length > 0 && inbound.some((queue) => queue.workers === 0);
  return html`<div class="cards">
      <div class="card"><span class="big">${sum((q) => q.depth)}</span> jobs waiting</div>
      <div class="card"><span class="big">${sum((q) => q.active)}</span> running</div>
      <div class="card"><span class="big">${formatAge(oldest)}</span> oldest waiting job</div>
      <div class="card ${noWorkers ? 'alert' : ''}"><span class="big">${workers}</span> worker processes
        ${noWorkers ? html`<br><small>some partitions have no worker connected</small>` : ''}</div>
      <div class="card ${opts.deadLetters > 0 ? 'alert' : ''}"><a href="${opts.base}/dlq"><span class="big dlq-size">${opts.deadLetters}</span> dead letters</a></div>
    </div>
    <table class="queues"><thead><tr><th>Queue</th><th>Waiting</th><th>Running</th><th>Delayed</th><th>Failed</th>
    <th>Completed</th><th>Oldest</th><th>Workers</th><th>Paused for</th></tr></thead><tbody>
    ${busy.map(
      (
        queue,
      ) => html`<tr><td><a href="${opts.base}/queues/queue/${encodeURIComponent(queue.queue)}">${queue.queue}</a></td>
      <td>${queue.waiting}</td><td>${queue.active}</td><td>${queue.delayed}</td><td>${queue.failed}</td>
      <td>${queue.completed}</td><td>${queue.depth > 0 ? formatAge(queue.oldestAgeSeconds) : '–'}</td>
      <td>${queue.workers}</td><td>${queue.pausedForMs > 0 ? formatAge(queue.pausedForMs / 1000) : ''}</td></tr>`,
    )}</tbody></table>
    <p class="note">${inbound.length - busy.length} of ${inbound.length} partitions idle and empty.</p>`;
}

/** Per-token API budget: used and remaining in the sliding window, cool-down, paused partitions, deferred jobs. */
export function budgetPage(opts: { budgets: TokenBudgetView[] }): SafeHtml {
  return html`<table class="budget"><thead><tr><th>Token (hash)</th><th>Tenants</th><th>Used / budget</th>
    <th>Remaining</th><th>Cool-down until</th><th>Paused partitions</th><th>Deferred jobs</th></tr></thead><tbody>
    ${opts.budgets.map((budget) => {
      const share = Math.min(100, Math.round((budget.used / budget.perWindow) * 100));
      return html`<tr><td><code>${budget.tokenHash}</code></td><td>${budget.tenants.join(', ')}</td>
      <td><div class="bar"><div style="width:${share}%"></div></div>${budget.used} / ${budget.perWindow} per ${budget.windowSeconds} s</td>
      <td>${budget.remaining}</td><td class="${budget.coolDownUntil ? 'alert' : ''}">${budget.coolDownUntil ? formatTime(budget.coolDownUntil) : '–'}</td>
      <td>${budget.pausedPartitions}</td><td>${budget.deferredJobs}</td></tr>`;
    })}</tbody></table>
    <p class="note">Used = calls started in the last window by every worker (the token's call log in Redis).
    A token cooling down after a 429, or over budget, pauses its tenant's partitions: their jobs are deferred, not failed.</p>`;
}
