import pino from 'pino';
import { SparkContext } from '../../src/core/context.js';
import type { ClusterSchedulerBackend } from '../../src/core/scheduler/cluster/cluster-backend.js';
import { localClusterBackend } from '../../src/core/scheduler/cluster/local-cluster.js';
import { tempDir } from './temp-dir.js';

/**
 * A `local-cluster[N,C,M]` context whose driver log (executor output included) is
 * captured, for integration tests that check which path a job took.
 */
export interface LocalClusterContext {
  sc: SparkContext;
  /** The cluster backend; built by the context's asynchronous start-up, so only after a first job or a wait. */
  backend: () => ClusterSchedulerBackend;
  /** The backend if start-up has built it yet. */
  startedBackend: () => ClusterSchedulerBackend | undefined;
  /** Log messages; an executor's output line counts as its own message. */
  messages: () => string[];
  /** Every log line as written, all fields included (for secret scans). */
  rawLines: () => string[];
  /** The context's spark.local.dir. */
  localDir: string;
}

/** Starts a context on `master` and records it in `contexts`, which the test file stops after each test. */
export function localClusterContext(
  contexts: SparkContext[],
  options: { master: string; appName: string; conf?: Record<string, string> },
): LocalClusterContext {
  const records: Record<string, unknown>[] = [];
  const raw: string[] = [];
  const logger = pino(
    { level: 'debug' },
    {
      write: (line: string) => {
        raw.push(line);
        try {
          records.push(JSON.parse(line) as Record<string, unknown>);
        } catch {
          // not a log record
        }
      },
    },
  );
  const localDir = tempDir(`tspark-${options.appName}-`);
  let backend: ClusterSchedulerBackend | undefined;
  const sc = new SparkContext({
    master: options.master,
    appName: options.appName,
    progress: false,
    logger,
    conf: { 'spark.local.dir': localDir, ...options.conf },
    backendFactory: (master, c, dir) => (backend = localClusterBackend(master, c, dir, logger, options.appName)),
  });
  contexts.push(sc);
  return {
    sc,
    backend: () => backend!,
    startedBackend: () => backend,
    // an executor's output line arrives as { msg: 'executor output', line }
    messages: () => records.map((r) => (r.msg === 'executor output' ? String(r.line) : String(r.msg))),
    rawLines: () => raw,
    localDir,
  };
}

/** Polls `check` every 20 ms; executor output reaches the driver's log through a pipe, a little after the fact. */
export async function waitFor(what: string, check: () => boolean, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
