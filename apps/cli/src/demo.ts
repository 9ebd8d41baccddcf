import { loadConfig, type TenantConfig } from '@relay/config';
import { startIngress } from '@relay/ingress';
import { createLogger, createMetrics } from '@relay/observability';
import { postWebhook, startChatwootSimulator, startWahaSimulator } from '@relay/testing';
import { startWorker } from '@relay/worker';
import { Redis } from 'ioredis';
import { findDemoRedis, NO_REDIS_HINT } from './demoRedis.js';
import { demoSteps } from './demoScript.js';
import { exitOnSignals } from './shutdown.js';

const DEMO_PREFIX = 'relay-demo';
const DEMO_TOKEN = 'demo-chatwoot-token';
const DEMO_HMAC_KEY = 'demo-webhook-key';
const WAIT_LIMIT_MS = 30_000;

const print = (line = '') => process.stdout.write(`${line}\n`);

async function clearDemoKeys(url: string): Promise<void> {
  const redis = new Redis(url);
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${DEMO_PREFIX}:*`, 'COUNT', 1000);
    cursor = next;
    if (keys.length > 0) await redis.unlink(...keys);
  } while (cursor !== '0');
  redis.disconnect();
}

/** `relay demo`: the relay against built-in Chatwoot and WAHA simulators, replaying sample conversations. */
export async function runDemo(opts: { serve: boolean }): Promise<void> {
  const redis = await findDemoRedis();
  if (!redis) {
    process.stderr.write(NO_REDIS_HINT);
    process.exit(1);
  }
  await clearDemoKeys(redis.url);
  const chatwoot = await startChatwootSimulator({ tokens: { [DEMO_TOKEN]: 1 } });
  const waha = await startWahaSimulator();
  const tenant: TenantConfig = {
    id: 'demo',
    wahaSession: 'default',
    chatwoot: {
      baseUrl: chatwoot.url,
      apiToken: DEMO_TOKEN,
      accountId: 1,
      inboxId: 1,
      budget: { perWindow: 100, windowMs: 60_000, maxConcurrent: 4 },
    },
    waha: { baseUrl: waha.url, apiKey: waha.apiKey, webhookHmacKeys: [DEMO_HMAC_KEY] },
    fromMeMode: 'outgoing',
  };
  const config = loadConfig(
    {
      ...process.env,
      REDIS_URL: redis.url,
      REDIS_PREFIX: DEMO_PREFIX,
      HOST: '127.0.0.1',
      LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn',
      LOG_FORMAT: 'pretty',
    },
    { tenants: [tenant] },
  );
  const logger = createLogger({ service: 'relay-demo', level: config.logLevel, format: 'pretty' });
  const metrics = createMetrics();
  // Port 3000 unless PORT says otherwise; any free port when 3000 is taken.
  const ingress = await startIngress(config, { logger, metrics }).catch((error: NodeJS.ErrnoException) => {
    if (error.code !== 'EADDRINUSE' || process.env.PORT) throw error;
    return startIngress({ ...config, port: 0 }, { logger, metrics });
  });
  const worker = await startWorker(config, { logger, metrics });
  const stopAll = async () => {
    await ingress.close();
    await worker.close(5000);
    await Promise.all([chatwoot.close(), waha.close()]);
    await redis.stop?.();
  };

  print(`chatwoot-relay demo`);
  print(`  Redis            ${redis.url} (${redis.origin})`);
  print(`  ingress          ${ingress.url}/webhooks/waha`);
  print(`  Chatwoot (sim)   ${chatwoot.url}`);
  print(`  WAHA (sim)       ${waha.url}`);
  print();
  const steps = demoSteps(waha, tenant.wahaSession);
  let expected = 0;
  for (const [index, step] of steps.entries()) {
    const answers: string[] = [];
    for (let i = 0; i < (step.times ?? 1); i++) {
      const response = await postWebhook(`${ingress.url}/webhooks/waha`, step.envelope, {
        hmacKey: DEMO_HMAC_KEY,
      });
      answers.push(`${response.status} ${(response.body as { status?: string }).status ?? ''}`.trim());
    }
    if (step.mirrored) expected++;
    print(`  [${index + 1}/${steps.length}] ${step.label.padEnd(36)} → ${answers.join(', ')}`);
  }

  const deadline = Date.now() + WAIT_LIMIT_MS;
  let last = -1;
  while (chatwoot.allMessages(1).length < expected && Date.now() < deadline) {
    const now = chatwoot.allMessages(1).length;
    if (now !== last) print(`  … ${now}/${expected} messages in Chatwoot`);
    last = now;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  print();
  print('What Chatwoot now holds:');
  for (const conversation of chatwoot.conversations(1)) {
    const contact = chatwoot.contacts(1).find((c) => c.id === conversation.contactId);
    print(
      `  conversation #${conversation.displayId} (${conversation.status}) with ${contact?.name ?? '?'} [${contact?.identifier ?? ''}]`,
    );
    for (const message of chatwoot.messages(1, conversation.displayId)) {
      const type = message.private ? 'note' : message.message_type === 0 ? 'in ' : 'out';
      const files = message.attachments.length > 0 ? ` (+${message.attachments.length} attachment)` : '';
      print(`    ${type}  ${String(message.content ?? '').replace(/\n/g, ' ⏎ ')}${files}`);
    }
  }
  const mirrored = chatwoot.allMessages(1).length;
  const calls = chatwoot.requests.filter((request) => !request.path.startsWith('/__sim')).length;
  print();
  print(
    `${mirrored}/${expected} messages mirrored, ${calls} Chatwoot API calls (${(calls / Math.max(mirrored, 1)).toFixed(2)} per message).`,
  );

  if (opts.serve) {
    print(
      `\nServing: POST WAHA webhooks to ${ingress.url}/webhooks/waha (HMAC key "${DEMO_HMAC_KEY}"). Ctrl-C stops.`,
    );
    exitOnSignals(logger, stopAll);
    return;
  }
  await stopAll();
  process.exit(mirrored === expected ? 0 : 1);
}
