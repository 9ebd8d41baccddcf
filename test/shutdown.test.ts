import { buildTextMessage, waitFor } from '@relay/testing';
import { describe, expect, it } from 'vitest';
import type { RelayHarness } from './support/relayHarness.js';
import { useRelayHarness } from './support/useRelayHarness.js';

const relays = useRelayHarness('shutdown');

const CHAT = '31660000001@c.us';
const inFlight = (harness: RelayHarness) => harness.chatwoot.requests.some((r) => r.status === 0);

/** A `relay worker` process with a Chatwoot request of a job in flight (the simulator holds it `latencyMs`). */
async function workerWithJobInFlight(
  latencyMs: number,
  env: Record<string, string>,
  role: 'worker' | 'all' = 'worker',
) {
  const harness = await relays.start();
  harness.chatwoot.setLatency(latencyMs);
  const worker = await harness.spawnWorker(env, role);
  expect(await harness.post(buildTextMessage({ chatId: CHAT, body: 'in flight at SIGTERM' }))).toMatchObject({
    status: 200,
  });
  await waitFor(() => inFlight(harness), {
    what: 'a Chatwoot request in flight',
    timeoutMs: 30_000,
    intervalMs: 5,
  });
  return { harness, worker };
}

describe('graceful shutdown of `relay worker` and `relay all`', () => {
  it('SIGTERM with a job in flight: the job finishes, the process exits 143 within SHUTDOWN_TIMEOUT_MS, nothing is duplicated', async () => {
    const { harness, worker } = await workerWithJobInFlight(400, { SHUTDOWN_TIMEOUT_MS: '8000' });
    const signalled = Date.now();
    worker.child.kill('SIGTERM');
    const code = await worker.exited;
    const tookMs = Date.now() - signalled;
    expect(code).toBe(143);
    expect(tookMs).toBeLessThan(8000);
    // Finished by the stopping worker, or back in the queue for the next one: either way exactly once.
    await harness.spawnWorker();
    await waitFor(() => harness.chatwoot.allMessages(1).length >= 1, { what: 'the message mirrored' });
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(harness.chatwoot.allMessages(1).map((m) => m.content)).toEqual(['in flight at SIGTERM']);
  });

  it('`relay all` (ingress, worker, dashboard) exits 143 on SIGTERM after finishing its job in flight', async () => {
    const { harness, worker } = await workerWithJobInFlight(
      400,
      { SHUTDOWN_TIMEOUT_MS: '8000', PORT: '0', DASHBOARD_PORT: '0', DASHBOARD_AUTH: 'off' },
      'all',
    );
    const signalled = Date.now();
    worker.child.kill('SIGTERM');
    expect(await worker.exited).toBe(143);
    expect(Date.now() - signalled).toBeLessThan(8000);
    await harness.spawnWorker();
    await waitFor(() => harness.chatwoot.allMessages(1).length >= 1, { what: 'the message mirrored' });
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(harness.chatwoot.allMessages(1)).toHaveLength(1);
  });

  it('a second signal exits at once instead of waiting for the deadline', async () => {
    const { worker } = await workerWithJobInFlight(10_000, { SHUTDOWN_TIMEOUT_MS: '30000' });
    const signalled = Date.now();
    worker.child.kill('SIGTERM');
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(worker.child.exitCode).toBeNull(); // still draining
    worker.child.kill('SIGTERM');
    expect(await worker.exited).toBe(143);
    expect(Date.now() - signalled).toBeLessThan(3000);
  });

  it('a shutdown that overruns SHUTDOWN_TIMEOUT_MS is cut short at the deadline', async () => {
    const { worker } = await workerWithJobInFlight(15_000, { SHUTDOWN_TIMEOUT_MS: '1000' });
    const signalled = Date.now();
    worker.child.kill('SIGTERM');
    expect(await worker.exited).toBe(143);
    // Deadline + the 2 s grace for closing connections, plus process slack on a busy machine.
    expect(Date.now() - signalled).toBeLessThan(1000 + 2000 + 2000);
  });
});
