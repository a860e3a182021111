import pino, { type Logger, type DestinationStream } from 'pino';

export type { Logger };

/**
 * The one root logger per process is created at the entry point (CLI, AM,
 * executor) and passed down; components take `logger.child({ component })`.
 * Keys used across the project: appId, containerId, executorId, stageId,
 * taskId, jobId, durationMs. Payloads, secrets and tokens are never logged.
 */
export function createRootLogger(
  options: { level?: string; name?: string } = {},
  destination?: DestinationStream,
): Logger {
  const opts = {
    level: options.level ?? process.env.TSPARK_LOG_LEVEL ?? 'info',
    base: options.name ? { name: options.name } : null,
    timestamp: pino.stdTimeFunctions.isoTime,
  };
  return destination ? pino(opts, destination) : pino(opts, pino.destination(2));
}

/** A logger that drops everything: the default for library use and unit tests. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
