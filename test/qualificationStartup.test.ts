import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildTextMessage, waitFor } from '@relay/testing';
import { describe, expect, it } from 'vitest';
import { useRelayHarness } from './support/useRelayHarness.js';

const relays = useRelayHarness('qualify-start');

function writeRules(rules: object): string {
  const path = join(mkdtempSync(join(tmpdir(), 'lead-rules-')), 'rules.json');
  writeFileSync(path, JSON.stringify(rules));
  return path;
}

function harness(rulesFile: string, opts: { env?: Record<string, string>; labelMode?: 'seed' } = {}) {
  return relays.start({
    tenant: { rulesFile },
    env: { QUALIFICATION_WINDOW_MS: '0', ...opts.env },
    ...(opts.labelMode ? { labelMode: opts.labelMode } : {}),
  });
}

describe('qualification startup', () => {
  it('refuses to start when the rules name an agent or team id Chatwoot does not know', async () => {
    const rulesFile = writeRules({
      version: 1,
      rules: [{ id: 'td', keywords: ['test drive'], points: 40 }],
      thresholds: [
        { name: 'hot', score: 70, assign: { agentId: 42 } },
        { name: 'warm', score: 40, assign: { teamId: 1 } },
        { name: 'cold', score: 10, assign: { teamId: 9 } },
      ],
    });
    const h = await harness(rulesFile);
    const failure = h.startWorker();
    await expect(failure).rejects.toThrow(/unknown agent id 42/);
    const message = String(((await failure.catch((e: unknown) => e)) as Error).message);
    expect(message).toContain(rulesFile);
    expect(message).toContain('unknown team id 9');
    expect(message).not.toContain('team id 1');
    expect(h.chatwoot.requests.map((r) => r.endpoint).sort()).toEqual(['GET /agents', 'GET /teams']);
  });

  it('creates missing account labels at start so seed-mode label writes succeed', async () => {
    const rulesFile = writeRules({
      version: 1,
      rules: [{ id: 'td', keywords: ['test drive'], points: 80, labels: ['Test Drive'] }],
      thresholds: [{ name: 'hot', score: 70, label: 'hot-lead', assign: { agentId: 1 } }],
    });
    const h = await harness(rulesFile, { env: { QUALIFICATION_CREATE_LABELS: 'true' }, labelMode: 'seed' });
    h.chatwoot.createAccountLabel(1, 'hot-lead'); // already there: only the other one is created
    await h.startWorker();
    expect(h.chatwoot.accountLabels(1).sort()).toEqual(['hot-lead', 'test-drive']);
    expect(h.chatwoot.requests.filter((r) => r.endpoint === 'POST /labels')).toHaveLength(1);

    const response = await h.post(
      buildTextMessage({ chatId: '31612345678@c.us', body: 'Test drive please' }),
    );
    expect(response.status).toBe(200);
    await waitFor(() => h.chatwoot.conversations(1)[0]?.labels.includes('hot-lead'), {
      what: 'threshold label on the conversation',
      describe: () => h.chatwoot.conversations(1)[0],
    });
    expect(h.chatwoot.conversations(1)[0]?.labels.sort()).toEqual(['hot-lead', 'test-drive']);
    expect(h.chatwoot.conversations(1)[0]?.assigneeId).toBe(1);
  });
});
