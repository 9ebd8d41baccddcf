import type { Logger } from '@relay/observability';

/** Time past the deadline for closing connections before the process is ended regardless. */
export const SHUTDOWN_GRACE_MS = 2000;

/**
 * On SIGTERM/SIGINT runs `stop` (which has its own deadline) and exits 128+signal; a second signal exits at once.
 * When `deadlineMs` is given, a stop still running `deadlineMs + SHUTDOWN_GRACE_MS` later is abandoned and the
 * process exits anyway (unfinished jobs stall and are taken over by another worker).
 * An uncaught exception is logged and ends the process: carrying on after one is unsafe.
 */
export function exitOnSignals(logger: Logger, stop: () => Promise<void>, deadlineMs?: number): void {
  let stopping = false;
  const onSignal = (signal: NodeJS.Signals) => {
    const code = 128 + (signal === 'SIGINT' ? 2 : 15);
    if (stopping) {
      logger.warn({ signal }, 'second signal: exiting now');
      process.exit(code);
    }
    stopping = true;
    logger.info({ signal }, 'shutting down gracefully (send the signal again to force)');
    if (deadlineMs !== undefined) {
      setTimeout(() => {
        logger.warn({ signal, deadlineMs }, 'graceful shutdown past its deadline: exiting now');
        process.exit(code);
      }, deadlineMs + SHUTDOWN_GRACE_MS).unref();
    }
    stop().then(
      () => process.exit(code),
      (error: unknown) => {
        logger.error({ err: error }, 'graceful shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  process.on('uncaughtException', (error) => {
    logger.fatal({ err: error }, 'uncaught exception; exiting');
    process.exit(1);
  });
  process.on('unhandledRejection', (reason) => {
    logger.fatal({ err: reason }, 'unhandled rejection; exiting');
    process.exit(1);
  });
}
