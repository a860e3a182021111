import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DRIVER_HEAP_ENV, driverHeapToApply, relaunchNode } from '../../../src/cli/driver-heap.js';
import type { CliIo } from '../../../src/cli/io.js';
import { runTsparkSubmit } from '../../../src/cli/main.js';
import { SparkConf } from '../../../src/conf/spark-conf.js';
import type { SubmitPlan } from '../../../src/deploy/submit-plan.js';
import { silentLogger } from '../../../src/log.js';
import { tempDir } from '../../support/temp-dir.js';

const dir = tempDir('tspark-heap-');
writeFileSync(join(dir, 'app.js'), 'export default async function main() {}\n');

function plan(over: Partial<SubmitPlan>, conf: Record<string, string> = {}): SubmitPlan {
  return {
    action: 'submit',
    mode: 'local',
    master: 'local',
    deployMode: 'client',
    mainExport: 'default',
    appArgs: [],
    conf: new SparkConf(conf),
    files: [],
    archives: [],
    verbose: false,
    warnings: [],
    user: 'u',
    ...over,
  };
}

describe('driver heap for a driver in this process', () => {
  it('relaunches only when driver memory was set and the driver runs here', () => {
    const mem = { 'spark.driver.memory': '512m' };
    expect(driverHeapToApply(plan({}, mem), {})).toBe(512);
    expect(driverHeapToApply(plan({ mode: 'yarn-client' }, { 'spark.driver.memory': '2g' }), {})).toBe(2048);
    expect(driverHeapToApply(plan({ mode: 'local-cluster' }, mem), {})).toBe(512);
    expect(driverHeapToApply(plan({}), {})).toBeUndefined();
    expect(driverHeapToApply(plan({ mode: 'yarn-cluster' }, mem), {})).toBeUndefined();
    expect(driverHeapToApply(plan({ action: 'kill' }, mem), {})).toBeUndefined();
    expect(driverHeapToApply(plan({}, mem), { [DRIVER_HEAP_ENV]: '512' })).toBeUndefined();
    expect(driverHeapToApply(plan({}, mem), { [DRIVER_HEAP_ENV]: '256' })).toBe(512);
  });

  it('the CLI hands over to the relaunched process before printing anything or running', async () => {
    const err: string[] = [];
    const relaunched: number[] = [];
    let ran = false;
    const io: CliIo = {
      stdout: () => undefined,
      stderr: (s) => void err.push(s),
      env: {},
      cwd: dir,
      cores: 2,
      osUser: 'u',
      nodeVersion: 'v20',
      packageVersion: '0.0.0',
      createLogger: () => silentLogger(),
      relaunchWithHeap: async (mib) => {
        relaunched.push(mib);
        return 7;
      },
    };
    const code = await runTsparkSubmit(['--driver-memory', '300m', '--conf', 'foo=1', '-v', 'app.js'], {
      io,
      loadHandler: async () => async () => {
        ran = true;
      },
    });
    expect(code).toBe(7);
    expect(relaunched).toEqual([300]);
    expect(ran).toBe(false);
    expect(err).toEqual([]);
  });

  it('starts node with the heap limit and the marker, and returns its exit code', async () => {
    const script = join(dir, 'probe.mjs');
    const out = join(dir, 'probe.json');
    writeFileSync(
      script,
      `import v8 from 'node:v8'; import fs from 'node:fs';
fs.writeFileSync(${JSON.stringify(out)}, JSON.stringify({ limit: v8.getHeapStatistics().heap_size_limit, marker: process.env.${DRIVER_HEAP_ENV}, args: process.argv.slice(2) }));
process.exitCode = 3;\n`,
    );
    const code = await relaunchNode({
      execPath: process.execPath,
      execArgv: ['--max-old-space-size=4000'],
      script,
      args: ['a', '--b'],
      env: { PATH: process.env.PATH },
      heapMiB: 200,
    });
    expect(code).toBe(3);
    const probe = JSON.parse((await import('node:fs')).readFileSync(out, 'utf8')) as {
      limit: number;
      marker: string;
      args: string[];
    };
    expect(probe.marker).toBe('200');
    expect(probe.args).toEqual(['a', '--b']);
    // V8's limit is the old space plus the young generation: at least what was asked, not the 4000 passed before.
    expect(probe.limit / 2 ** 20).toBeGreaterThanOrEqual(200);
    expect(probe.limit / 2 ** 20).toBeLessThan(400);
  });
});
