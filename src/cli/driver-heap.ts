import { spawn } from 'node:child_process';
import { constants } from 'node:os';
import { parseMemoryMiB } from '../conf/units.js';
import type { SubmitPlan } from '../deploy/submit-plan.js';

/**
 * spark.driver.memory for a driver that runs in the submitting process
 * (local, local-cluster, yarn-client). V8's heap limit is fixed when the
 * process starts, so, as Spark's launcher starts the driver JVM with -Xmx,
 * the CLI starts itself again with --max-old-space-size when the user set a
 * driver memory. The variable below marks the second process so it does not
 * relaunch again. Without an explicit driver memory Node's default heap is
 * kept (no second start).
 */
export const DRIVER_HEAP_ENV = 'TSPARK_DRIVER_HEAP_MIB';

/** The heap (MiB) to relaunch with, or undefined when this process can run the driver as it is. */
export function driverHeapToApply(
  plan: SubmitPlan,
  env: Readonly<Record<string, string | undefined>>,
): number | undefined {
  if (plan.action !== 'submit' || plan.mode === 'yarn-cluster') return undefined;
  const raw = plan.conf.get('spark.driver.memory');
  if (raw === undefined) return undefined;
  const mib = parseMemoryMiB(raw, 'spark.driver.memory');
  return env[DRIVER_HEAP_ENV] === String(mib) ? undefined : mib;
}

/**
 * Runs `node [execArgv] --max-old-space-size=<heapMiB> <script> <args>` with
 * inherited stdio, forwarding SIGINT/SIGTERM, and resolves with its exit code
 * (128 + signal number when it died of a signal, as a shell reports it).
 */
export function relaunchNode(options: {
  execPath: string;
  execArgv: readonly string[];
  script: string;
  args: readonly string[];
  env: Readonly<Record<string, string | undefined>>;
  heapMiB: number;
}): Promise<number> {
  const execArgv = options.execArgv.filter((a) => !a.startsWith('--max-old-space-size'));
  const child = spawn(
    options.execPath,
    [...execArgv, `--max-old-space-size=${options.heapMiB}`, options.script, ...options.args],
    { stdio: 'inherit', env: { ...options.env, [DRIVER_HEAP_ENV]: String(options.heapMiB) } },
  );
  const forward = (signal: NodeJS.Signals) => () => void child.kill(signal);
  const onInt = forward('SIGINT');
  const onTerm = forward('SIGTERM');
  process.on('SIGINT', onInt);
  process.on('SIGTERM', onTerm);
  return new Promise<number>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code, signal) => {
      process.off('SIGINT', onInt);
      process.off('SIGTERM', onTerm);
      resolve(code ?? 128 + (signal ? (constants.signals[signal] ?? 0) : 0));
    });
  });
}
