import { parseArgs } from 'node:util';
import { UsageError } from '../errors.js';

/**
 * The executor's command line, as the ApplicationMaster (or the
 * local-cluster launcher) writes it, with Spark's flag names:
 *
 *   main.js --executor-id 3 --cores 2 --driver-url host:port [--hostname h]
 *           [--app-id id] [--properties-file f] [--app bundle]
 *
 * `--driver-url` also accepts Spark's spark://Name@host:port form. Without it
 * the driver address comes from spark.driver.host / spark.driver.port in the
 * properties file. The secret is never a flag.
 */
export interface ExecutorArgs {
  executorId: string;
  cores: number;
  driver: { host: string; port: number } | undefined;
  hostname: string | undefined;
  appId: string | undefined;
  propertiesFile: string | undefined;
  app: string | undefined;
}

export function parseExecutorArgs(argv: readonly string[]): ExecutorArgs {
  let values: Record<string, string | undefined>;
  try {
    values = parseArgs({
      args: [...argv],
      options: {
        'executor-id': { type: 'string' },
        cores: { type: 'string' },
        'driver-url': { type: 'string' },
        hostname: { type: 'string' },
        'app-id': { type: 'string' },
        'properties-file': { type: 'string' },
        app: { type: 'string' },
      },
      strict: true,
      allowPositionals: false,
    }).values as Record<string, string | undefined>;
  } catch (e) {
    throw new UsageError('EXECUTOR_ARGS', `executor: ${(e as Error).message}`);
  }
  const executorId = values['executor-id'];
  if (!executorId) throw new UsageError('EXECUTOR_ARGS', 'executor: --executor-id is required');
  const cores = Number(values.cores ?? '1');
  if (!Number.isInteger(cores) || cores < 1) {
    throw new UsageError(
      'EXECUTOR_ARGS',
      `executor: --cores must be a positive integer, got "${values.cores}"`,
    );
  }
  return {
    executorId,
    cores,
    driver: values['driver-url'] === undefined ? undefined : parseDriverUrl(values['driver-url']),
    hostname: values.hostname,
    appId: values['app-id'],
    propertiesFile: values['properties-file'],
    app: values.app,
  };
}

/** host:port, [v6]:port, or spark://Name@host:port. */
export function parseDriverUrl(url: string): { host: string; port: number } {
  const bare = url.replace(/^spark:\/\/(?:[^@/]*@)?/, '');
  const m = /^(?:\[([^\]]+)\]|([^:[\]]+)):(\d+)$/.exec(bare);
  const port = m ? Number(m[3]) : NaN;
  if (!m || port < 1 || port > 65535) {
    throw new UsageError(
      'EXECUTOR_ARGS',
      `executor: --driver-url must be host:port (or spark://name@host:port), got "${url}"`,
    );
  }
  return { host: (m[1] ?? m[2])!, port };
}
