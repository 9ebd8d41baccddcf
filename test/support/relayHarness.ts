import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfig, type RelayConfig, type TenantConfig } from '@relay/config';
import { type RunningIngress, startIngress } from '@relay/ingress';
import { createLogger, createMetrics, type Logger, type RelayMetrics } from '@relay/observability';
import {
  type ChatwootSimulator,
  type PostChatwootWebhookOptions,
  postChatwootWebhook,
  postWebhook,
  startChatwootSimulator,
  startWahaSimulator,
  type WahaSimulator,
} from '@relay/testing';
import { type RunningWorker, startWorker } from '@relay/worker';

export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const HMAC_KEY = 'test-hmac-key';
export const CHATWOOT_TOKEN = 'test-chatwoot-token';

export interface HarnessOptions {
  redisUrl: string;
  prefix: string;
  env?: Record<string, string>;
  tenant?: Partial<Pick<TenantConfig, 'fromMeMode' | 'rulesFile' | 'resolveMessage'>> & {
    hmacKeys?: string[];
  };
  /** The Chatwoot simulator's label mode (`seed`: unknown labels 404). */
  labelMode?: 'source' | 'seed';
  /** Chatwoot budget of every tenant's token; default 10 000 per 60 s, 4 calls in flight. */
  budget?: { perWindow: number; windowMs: number; maxConcurrent?: number };
  /** More tenants beside `dealer`: same account and inbox, their own WAHA session and Chatwoot token. */
  extraTenants?: Array<{
    id: string;
    session: string;
    token: string;
    /** This tenant's own WAHA HMAC keys and Chatwoot webhook auth (default: the shared ones). */
    hmacKeys?: string[];
    chatwootWebhook?: { secrets?: string[]; token?: string };
  }>;
  lockToSingleConversation?: boolean;
  /** Logger of the in-process ingress and workers; default silent (or `TEST_LOG_LEVEL`). */
  logger?: Logger;
  /** Chatwoot webhook authentication of every tenant: signing secrets and/or the URL token. */
  chatwootWebhook?: { secrets?: string[]; token?: string };
}

export interface SpawnedWorker {
  child: ChildProcess;
  exited: Promise<number | null>;
  kill(signal?: NodeJS.Signals): Promise<void>;
}

/** Ingress, simulators and workers wired to one Redis prefix, as in production but in one test. */
export interface RelayHarness {
  config: RelayConfig;
  /** The first tenant (`dealer`, session `default`). */
  tenant: TenantConfig;
  tenants: TenantConfig[];
  chatwoot: ChatwootSimulator;
  waha: WahaSimulator;
  ingress: RunningIngress;
  metrics: RelayMetrics;
  webhookUrl: string;
  post(
    envelope: object,
    opts?: { hmacKey?: string | null; rawBody?: string; headers?: Record<string, string> },
  ): Promise<{ status: number; body: unknown; retryAfter: string | null }>;
  /** `POST /webhooks/chatwoot[/<path>]` the way Chatwoot does (`path` e.g. `dealer/<token>`). */
  postChatwoot(
    payload: unknown,
    opts?: PostChatwootWebhookOptions & { path?: string },
  ): Promise<{ status: number; body: unknown; retryAfter: string | null; deliveryId: string }>;
  startWorker(): Promise<RunningWorker>;
  /** A worker in its own OS process (`relay worker`, or `relay all` when asked), for crash and shutdown tests. */
  spawnWorker(env?: Record<string, string>, role?: 'worker' | 'all'): Promise<SpawnedWorker>;
  close(): Promise<void>;
}

/** Test-speed settings: fast crash recovery and short retries. */
const FAST_ENV = {
  WORKER_LOCK_DURATION_MS: '2000',
  WORKER_STALLED_INTERVAL_MS: '1000',
  RETRY_BASE_DELAY_MS: '100',
  RETRY_MAX_DELAY_MS: '1000',
  SHUTDOWN_TIMEOUT_MS: '3000',
  LOG_LEVEL: 'silent',
  HOST: '127.0.0.1',
  PORT: '0',
};

export async function startRelayHarness(opts: HarnessOptions): Promise<RelayHarness> {
  const chatwoot = await startChatwootSimulator({
    ...(opts.labelMode ? { labelMode: opts.labelMode } : {}),
    tokens: Object.fromEntries(
      [CHATWOOT_TOKEN, ...(opts.extraTenants ?? []).map((t) => t.token)].map((t) => [t, 1]),
    ),
    inboxes: [
      {
        accountId: 1,
        id: 1,
        name: 'WhatsApp',
        lockToSingleConversation: opts.lockToSingleConversation ?? false,
      },
    ],
  });
  const waha = await startWahaSimulator();
  const specs: NonNullable<HarnessOptions['extraTenants']> = [
    { id: 'dealer', session: 'default', token: CHATWOOT_TOKEN },
    ...(opts.extraTenants ?? []),
  ];
  const tenants: TenantConfig[] = specs.map((spec) => ({
    id: spec.id,
    wahaSession: spec.session,
    chatwoot: {
      baseUrl: chatwoot.url,
      apiToken: spec.token,
      accountId: 1,
      inboxId: 1,
      // Generous unless a test is about the budget: spacing calls 600 ms apart would only slow the suite.
      budget: { perWindow: 10_000, windowMs: 60_000, maxConcurrent: 4, ...opts.budget },
      webhookSecrets: spec.chatwootWebhook?.secrets ?? opts.chatwootWebhook?.secrets ?? [],
      webhookToken: spec.chatwootWebhook?.token ?? opts.chatwootWebhook?.token ?? null,
    },
    waha: {
      baseUrl: waha.url,
      apiKey: waha.apiKey,
      webhookHmacKeys: spec.hmacKeys ?? opts.tenant?.hmacKeys ?? [HMAC_KEY],
    },
    fromMeMode: opts.tenant?.fromMeMode ?? 'outgoing',
    ...(opts.tenant?.rulesFile ? { rulesFile: opts.tenant.rulesFile } : {}),
    ...(opts.tenant?.resolveMessage ? { resolveMessage: opts.tenant.resolveMessage } : {}),
  }));
  const tenant = tenants[0]!;
  const env = { ...FAST_ENV, ...opts.env, REDIS_URL: opts.redisUrl, REDIS_PREFIX: opts.prefix };
  const config = loadConfig(env, { tenants });
  const logger =
    opts.logger ?? createLogger({ service: 'test', level: process.env.TEST_LOG_LEVEL ?? 'silent' });
  const metrics = createMetrics({ defaultMetrics: false });
  const ingress = await startIngress(config, { logger, metrics });
  const workers: RunningWorker[] = [];
  const children: SpawnedWorker[] = [];
  const tenantsFile = join(mkdtempSync(join(tmpdir(), 'relay-tenants-')), 'tenants.json');
  // The same tenants as a TENANTS_FILE for spawned workers (which read their own environment).
  const fileTenants = tenants.map(
    ({
      chatwoot: { budget, webhookSecrets, webhookToken, ...chatwootRest },
      waha: { webhookHmacKeys, ...wahaRest },
      ...rest
    }) => ({
      ...rest,
      chatwoot: {
        ...chatwootRest,
        webhookSecret: webhookSecrets ?? [],
        ...(webhookToken ? { webhookToken } : {}),
        budgetPerWindow: budget.perWindow,
        budgetWindowSeconds: budget.windowMs / 1000,
        maxConcurrentCalls: budget.maxConcurrent,
      },
      waha: { ...wahaRest, webhookHmacKey: webhookHmacKeys },
    }),
  );
  writeFileSync(tenantsFile, JSON.stringify({ tenants: fileTenants }));
  const webhookUrl = `${ingress.url}/webhooks/waha`;
  let closing: Promise<void> | undefined;

  return {
    config,
    tenant,
    tenants,
    chatwoot,
    waha,
    ingress,
    metrics,
    webhookUrl,
    post(envelope, postOpts = {}) {
      const hmacKey = postOpts.hmacKey === undefined ? HMAC_KEY : postOpts.hmacKey;
      return postWebhook(webhookUrl, envelope, {
        ...(hmacKey ? { hmacKey } : {}),
        ...(postOpts.rawBody ? { rawBody: postOpts.rawBody } : {}),
        ...(postOpts.headers ? { headers: postOpts.headers } : {}),
      });
    },
    postChatwoot(payload, { path, ...postOpts } = {}) {
      const url = `${ingress.url}/webhooks/chatwoot${path ? `/${path}` : ''}`;
      return postChatwootWebhook(url, payload, postOpts);
    },
    async startWorker() {
      const worker = await startWorker(config, { logger, metrics });
      workers.push(worker);
      return worker;
    },
    async spawnWorker(extraEnv = {}, role = 'worker') {
      const child = spawn(process.execPath, [join(REPO_ROOT, 'bin/relay.js'), role], {
        cwd: REPO_ROOT,
        env: {
          ...process.env,
          ...env,
          TENANTS_FILE: tenantsFile,
          LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'warn',
          ...extraEnv,
        },
        stdio: ['ignore', 'ignore', 'inherit'],
      });
      const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
      const spawned: SpawnedWorker = {
        child,
        exited,
        async kill(signal = 'SIGKILL') {
          if (child.exitCode === null && child.signalCode === null) child.kill(signal);
          await exited;
        },
      };
      children.push(spawned);
      return spawned;
    },
    close() {
      closing ??= closeAll();
      return closing;
    },
  };

  async function closeAll() {
    await Promise.all(children.map((child) => child.kill('SIGKILL')));
    await ingress.close();
    await Promise.all(workers.map((worker) => worker.close(2000)));
    await Promise.all([chatwoot.close(), waha.close()]);
  }
}
