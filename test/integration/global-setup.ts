// Vitest global setup of the integration project: assembles (first time) and
// starts the real Hadoop test cluster once, before any integration or e2e file.
//
// Teardown policy (docs/test-cluster.md):
//   - CI set (as .ci/run runs it): the cluster is stopped after the run, unless
//     TSPARK_KEEP_CLUSTER=1.
//   - otherwise (a developer machine) it is left running so the next run starts
//     in a fraction of a second; TSPARK_STOP_CLUSTER=1 stops it after the run.
// Tests read the coordinates through test/support/hadoop.ts.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const CLUSTER_SCRIPT = fileURLToPath(new URL('../../scripts/hadoop/cluster.mjs', import.meta.url));

function truthy(v: string | undefined): boolean {
  return !!v && v !== '0' && v.toLowerCase() !== 'false';
}

function runCluster(command: 'start' | 'stop'): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLUSTER_SCRIPT, command], {
      cwd: path.dirname(CLUSTER_SCRIPT),
      env: process.env,
      // Progress, timings and a failing daemon's log lines go straight to the terminal.
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    child.once('error', reject);
    child.once('close', (code) =>
      code === 0
        ? resolve()
        : reject(new Error(`scripts/hadoop/${command} failed (exit ${code}); see its output above`)),
    );
  });
}

export default async function setup(): Promise<() => Promise<void>> {
  await runCluster('start');
  const stopAfter =
    (truthy(process.env.CI) && !truthy(process.env.TSPARK_KEEP_CLUSTER)) ||
    truthy(process.env.TSPARK_STOP_CLUSTER);
  return async () => {
    if (stopAfter) await runCluster('stop');
  };
}
