import { availableParallelism, userInfo } from 'node:os';
import { join } from 'node:path';
import { createRootLogger } from '../log.js';
import { relaunchNode } from './driver-heap.js';
import type { CliIo } from './io.js';
import { findPackage } from './package-info.js';

/** The real process behind CliIo: read once, at the entry point. */
export function processIo(): CliIo {
  const pkg = findPackage(import.meta.url);
  let osUser = 'unknown';
  try {
    osUser = userInfo().username;
  } catch {
    // no passwd entry (some containers): fall back to the environment below
    osUser = process.env.USER ?? process.env.LOGNAME ?? 'unknown';
  }
  const env = { ...process.env };
  return {
    stdout: (s) => void process.stdout.write(s),
    stderr: (s) => void process.stderr.write(s),
    env,
    cwd: process.cwd(),
    cores: availableParallelism(),
    osUser,
    nodeVersion: process.version,
    packageVersion: pkg?.version ?? '0.0.0',
    ...(pkg ? { packageConfDir: join(pkg.root, 'conf'), examplesDir: join(pkg.root, 'examples') } : {}),
    createLogger: (name) => createRootLogger({ name, level: env.TSPARK_LOG_LEVEL ?? 'info' }),
    relaunchWithHeap: (heapMiB) =>
      relaunchNode({
        execPath: process.execPath,
        execArgv: process.execArgv,
        script: process.argv[1]!,
        args: process.argv.slice(2),
        env,
        heapMiB,
      }),
  };
}
