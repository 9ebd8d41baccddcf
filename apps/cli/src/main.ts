import { ConfigError, loadConfig, type RelayConfig } from '@relay/config';
import { dashboardConfigProblem, startDashboard } from '@relay/dashboard';
import { startIngress } from '@relay/ingress';
import { createLogger, createMetrics } from '@relay/observability';
import { startWorker } from '@relay/worker';
import { runDemo } from './demo.js';
import { runDlqCommand } from './dlqCommand.js';
import { helpText } from './help.js';
import { exitOnSignals } from './shutdown.js';

const ROLES = ['ingress', 'worker', 'all', 'dashboard', 'demo', 'dlq'] as const;
type Role = (typeof ROLES)[number];

function loadOrExit(): RelayConfig {
  try {
    return loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n\nSee \`relay --help\` for every setting.\n`);
      process.exit(2);
    }
    throw error;
  }
}

async function runRole(role: Exclude<Role, 'demo' | 'dlq'>): Promise<void> {
  const config = loadOrExit();
  const logger = createLogger({ service: `relay-${role}`, level: config.logLevel, format: config.logFormat });
  const metrics = createMetrics();
  if (role === 'dashboard' && dashboardConfigProblem(config)) {
    process.stderr.write(`relay dashboard: ${dashboardConfigProblem(config)}\n`);
    process.exit(2);
  }
  // `relay all` serves the dashboard on its own port when sign-in is configured (or explicitly off).
  const withDashboard = role === 'dashboard' || (role === 'all' && !dashboardConfigProblem(config));
  if (role === 'all' && !withDashboard)
    logger.info({ reason: dashboardConfigProblem(config) }, 'dashboard not started');
  const ingress =
    role === 'worker' || role === 'dashboard' ? null : await startIngress(config, { logger, metrics });
  const worker =
    role === 'ingress' || role === 'dashboard' ? null : await startWorker(config, { logger, metrics });
  const dashboard = withDashboard ? await startDashboard(config, { logger, metrics }) : null;
  exitOnSignals(
    logger,
    async () => {
      // Stop accepting first, then let running jobs finish within the deadline.
      await dashboard?.close();
      await ingress?.close();
      await worker?.close(config.shutdownTimeoutMs);
    },
    config.shutdownTimeoutMs,
  );
}

async function main(argv: string[]): Promise<void> {
  const [role, ...rest] = argv;
  if (!role || role === '--help' || role === '-h' || role === 'help') {
    process.stdout.write(helpText());
    process.exit(role ? 0 : 2);
  }
  if (!(ROLES as readonly string[]).includes(role)) {
    process.stderr.write(`relay: unknown role "${role}"; expected one of ${ROLES.join(', ')}\n`);
    process.exit(2);
  }
  if (role === 'demo') {
    await runDemo({ serve: rest.includes('--serve') });
    return;
  }
  if (role === 'dlq') process.exit(await runDlqCommand(rest));
  await runRole(role as Exclude<Role, 'demo' | 'dlq'>);
}

main(process.argv.slice(2)).catch((error: unknown) => {
  process.stderr.write(`relay: ${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});
