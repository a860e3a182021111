import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hadoopCluster, type HadoopCluster } from '../../support/hadoop.js';
import { REPO_ROOT, runSubmit, submittedAppId, yarnClusterArgs } from '../../support/submit-cli.js';

/**
 * An executor stays inside its YARN container under shuffle load: one small
 * executor (2 task slots) sorts and groups generated data of 4x its memory,
 * so both shuffles spill, and
 *   - the answer is right (count and id sum computed here, order and grouping
 *     checked per partition by the application),
 *   - YARN killed nothing: the application SUCCEEDED, the AM saw no container
 *     exit for memory and no executor was lost or replaced,
 *   - the executor's peak RSS (VmHWM of its process, read here from /proc every
 *     100 ms, since the dev cluster's NodeManagers run on this machine) stayed
 *     below the container's memory (heap + overhead). The NodeManagers do check
 *     physical memory (yarn.nodemanager.pmem-check-enabled), but only every few
 *     seconds and against the rounded-up allocation, so the test checks the
 *     peak itself, against the smaller request.
 * Driven through the built CLI (`npm run build` first).
 */

const APP = path.join(REPO_ROOT, 'test', 'fixtures', 'apps', 'shuffle-memory.ts');
const EXECUTOR_MEMORY_MIB = 128;
const EXECUTOR_CORES = 2;
/** What tspark asks YARN for by default at this size: heap + max(384, 0.1 x heap, 128 + 80 x cores) (docs/yarn.md). */
const CONTAINER_MIB =
  EXECUTOR_MEMORY_MIB + Math.max(384, Math.ceil(0.1 * EXECUTOR_MEMORY_MIB), 128 + 80 * EXECUTOR_CORES);
const VALUE_BYTES = 1000;
/** Records of about VALUE_BYTES: 4 x the executor memory of shuffled data. */
const RECORDS = Math.ceil((4 * EXECUTOR_MEMORY_MIB * 1024 * 1024) / VALUE_BYTES);
const PARTITIONS = 16;

let cluster: HadoopCluster;

/** Peak RSS (VmHWM, KiB) of every executor process of any application seen on this machine, by app id. */
class ExecutorRssWatch {
  readonly peaks = new Map<string, Map<number, { hwmKiB: number; cmd: string }>>();
  private readonly timer: NodeJS.Timeout;

  constructor(intervalMs: number) {
    this.timer = setInterval(() => this.sample(), intervalMs);
  }

  private sample(): void {
    for (const name of readdirSync('/proc')) {
      if (!/^\d+$/.test(name)) continue;
      try {
        const argv = readFileSync(`/proc/${name}/cmdline`, 'utf8').split('\0');
        if (!argv.some((a) => a.endsWith('executor/main.js'))) continue;
        const appId = argv[argv.indexOf('--app-id') + 1];
        if (!appId) continue;
        const hwm = Number(/VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${name}/status`, 'utf8'))?.[1] ?? 0);
        let app = this.peaks.get(appId);
        if (!app) this.peaks.set(appId, (app = new Map()));
        const pid = Number(name);
        const seen = app.get(pid);
        app.set(pid, { hwmKiB: Math.max(seen?.hwmKiB ?? 0, hwm), cmd: argv.join(' ') });
      } catch {
        // the process ended between readdir and read
      }
    }
  }

  stop(): void {
    clearInterval(this.timer);
  }
}

interface ShuffleMemoryLine {
  mode: string;
  count: number;
  idSum: number;
  groups: number;
  problems: string[];
  spills: number;
}

beforeAll(() => {
  cluster = hadoopCluster();
});

let watch: ExecutorRssWatch | undefined;
afterAll(() => watch?.stop());

describe('executor memory on YARN', () => {
  it(`sorts and groups ${4 * EXECUTOR_MEMORY_MIB} MiB in a ${EXECUTOR_MEMORY_MIB} MiB executor with ${EXECUTOR_CORES} cores, inside its container`, async () => {
    watch = new ExecutorRssWatch(100);
    const run = await runSubmit(
      yarnClusterArgs(cluster.runtimeDir, [
        '--num-executors', '1',
        '--executor-cores', String(EXECUTOR_CORES),
        '--executor-memory', `${EXECUTOR_MEMORY_MIB}m`,
        APP, 'sort,group', String(RECORDS), String(VALUE_BYTES), String(PARTITIONS),
      ]),
      cluster.env,
    );
    watch.stop();
    const appId = submittedAppId(run.stderr);
    expect(appId, run.stderr).toBeDefined();
    expect(run.code, run.stderr.slice(-4000)).toBe(0);

    // YARN's view: the application succeeded, nothing about memory in its diagnostics
    const report = (await (await fetch(`${cluster.rmUrl}/ws/v1/cluster/apps/${appId}?user.name=${cluster.user}`)).json()) as {
      app: { finalStatus: string; state: string; diagnostics: string };
    };
    expect(report.app.state).toBe('FINISHED');
    expect(report.app.finalStatus).toBe('SUCCEEDED');
    expect(report.app.diagnostics).not.toMatch(/memory/i);

    // the AM's and the executor's logs: the answer, and no container exit for memory
    const logs = await appLogs(appId!, '"mode":"group"');
    const lines = [...logs.matchAll(/^SHUFFLE_MEMORY (\{.*\})$/gm)].map((m) => JSON.parse(m[1]!) as ShuffleMemoryLine);
    expect(lines.map((l) => l.mode), logs.slice(-4000)).toEqual(['sort', 'group']);
    const idSum = (RECORDS * (RECORDS - 1)) / 2;
    for (const l of lines) {
      expect(l.problems, l.mode).toEqual([]);
      expect(l.count, l.mode).toBe(RECORDS);
      expect(l.idSum, l.mode).toBe(idSum);
    }
    expect(lines[1]!.groups).toBe(Math.floor(RECORDS / 4));
    // the data did not fit: both shuffles spilled
    expect(lines[0]!.spills).toBeGreaterThan(0);
    expect(lines[1]!.spills).toBeGreaterThan(lines[0]!.spills);
    expect(logs).not.toMatch(/physical memory|exit status -10[34]|ERR_WORKER_OUT_OF_MEMORY|ran out of its heap/);
    expect(logs).not.toMatch(/Executor \d+ lost/);
    const registered = new Set([...logs.matchAll(/Registered executor (\d+) /g)].map((m) => m[1]));
    expect(registered.size, 'one executor, never replaced').toBe(1);

    // the executor's own peak, against its container
    const executors = [...(watch.peaks.get(appId!)?.values() ?? [])];
    expect(executors.length, 'the executor process was seen').toBe(1);
    const peakMiB = executors[0]!.hwmKiB / 1024;
    expect(executors[0]!.cmd).toContain(`--max-old-space-size=${EXECUTOR_MEMORY_MIB}`);
    console.log(
      `executor ${EXECUTOR_MEMORY_MIB} MiB x ${EXECUTOR_CORES} cores, ${RECORDS} records of ${VALUE_BYTES} B: ` +
        `peak RSS ${peakMiB.toFixed(0)} MiB of a ${CONTAINER_MIB} MiB container; spills sort ${lines[0]!.spills}, ` +
        `sort+group ${lines[1]!.spills}; ${run.ms} ms`,
    );
    expect(peakMiB).toBeLessThan(CONTAINER_MIB);
  }, 600_000);
});

/** `yarn logs` of a finished application, retried until log aggregation has `expected`. */
async function appLogs(appId: string, expected: string): Promise<string> {
  let logs = '';
  for (let i = 0; i < 30; i++) {
    logs = (await cluster.hadoopCli(['yarn', 'logs', '-applicationId', appId])).stdout;
    if (logs.includes(expected)) break;
    await new Promise((r) => setTimeout(r, 2000));
  }
  return logs;
}
