import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebHdfsClient } from '../../../src/hadoop/webhdfs/client.js';
import { hadoopCluster, type HadoopCluster } from '../../support/hadoop.js';
import { REPO_ROOT, runSubmit, submittedAppId, type CliRun } from '../../support/submit-cli.js';

/**
 * yarn-cluster with real executors: the driver runs in the AM, its tasks run
 * in executor containers the AM allocated, which dial the driver endpoint in
 * the AM. Driven through the built CLI (`npm run build` first); the results
 * are read back with Hadoop's own `yarn logs`.
 */

const SPARK_PI = path.join(REPO_ROOT, 'examples', 'spark-pi.ts');
const WORD_COUNT = path.join(REPO_ROOT, 'examples', 'word-count.ts');
const TASK_CONTAINERS = path.join(REPO_ROOT, 'test', 'fixtures', 'apps', 'task-containers.ts');

let cluster: HadoopCluster;
let hdfs: WebHdfsClient;
let runtimeDir: string;
let localDir: string;

const submit = (app: string, appArgs: string[]): Promise<CliRun> =>
  runSubmit(
    [
      '--master',
      'yarn',
      '--deploy-mode',
      'cluster',
      '--num-executors',
      '2',
      '--executor-memory',
      '256m',
      '--driver-memory',
      '256m',
      '--conf',
      'spark.yarn.maxAppAttempts=1',
      '--conf',
      `spark.tspark.yarn.runtimeDir=${runtimeDir}`,
      app,
      ...appArgs,
    ],
    { HADOOP_CONF_DIR: cluster.confDir },
  );

/** `yarn logs` of a finished application, retried until log aggregation has the AM's stdout. */
async function appLogs(appId: string, expected: string): Promise<string> {
  let logs = '';
  for (let i = 0; i < 60; i++) {
    logs = (await cluster.hadoopCli(['yarn', 'logs', '-applicationId', appId])).stdout;
    if (logs.includes(expected)) break;
    await new Promise((r) => setTimeout(r, 2000));
  }
  return logs;
}

/** The stdout section of one container in `yarn logs` output. */
function containerStdout(logs: string, containerId: string): string {
  const sections = logs.split(/(?=^Container: )/m).filter((s) => s.startsWith(`Container: ${containerId} `));
  return sections
    .map((s) => /LogType:stdout\n[\s\S]*?LogContents:\n([\s\S]*?)\nEnd of LogType:stdout/.exec(s)?.[1] ?? '')
    .join('\n');
}

beforeAll(() => {
  cluster = hadoopCluster();
  hdfs = new WebHdfsClient({ namenodes: [cluster.nameNodeUrl], user: cluster.user });
  runtimeDir = `/user/${cluster.user}/.tspark-test-runtime-exec-${process.pid}`;
  localDir = mkdtempSync(path.join(os.tmpdir(), 'tspark-exec-test-'));
});

afterAll(async () => {
  await hdfs.delete(runtimeDir, true).catch(() => false);
  rmSync(localDir, { recursive: true, force: true });
});

describe('yarn-cluster on YARN executors', () => {
  it('runs SparkPi with 2 executors registered with the driver in the AM', async () => {
    const run = await submit(SPARK_PI, ['10']);
    const appId = submittedAppId(run.stderr);
    expect(appId, run.stderr).toBeDefined();
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toContain(`Application ${appId} finished with final status SUCCEEDED.`);
    const logs = await appLogs(appId!, 'Pi is roughly');
    const amStdout = containerStdout(logs, `container_${appId!.slice('application_'.length)}_01_000001`);
    const pi = /Pi is roughly (\d+\.\d+)/.exec(amStdout);
    expect(pi, amStdout.slice(0, 3000)).not.toBeNull();
    expect(Math.abs(Number(pi![1]) - Math.PI)).toBeLessThan(0.05);
    const registered = new Set([...logs.matchAll(/Registered executor (\d+) /g)].map((m) => m[1]));
    expect(registered.size, logs.slice(0, 4000)).toBe(2);
    // executors were told to stop and left cleanly: nothing counted as a failure
    expect(logs).toMatch(/Executor \d+ stopping: the driver asked this executor to stop/);
    expect(logs).not.toMatch(/Executor \d+ lost/);
    console.log(`SparkPi on 2 YARN executors: ${run.ms} ms wall (submit to final status)`);
  }, 240_000);

  it('runs every task in an executor container, none in the AM', async () => {
    const run = await submit(TASK_CONTAINERS, ['8']);
    const appId = submittedAppId(run.stderr);
    expect(run.code, run.stderr).toBe(0);
    const logs = await appLogs(appId!, 'task containers ');
    const amContainer = `container_${appId!.slice('application_'.length)}_01_000001`;
    const amStdout = containerStdout(logs, amContainer);
    expect(amStdout).toContain(`driver container ${amContainer}`);
    const taskContainers = /task containers (\S+)/.exec(amStdout)![1]!.split(',');
    expect(taskContainers).not.toContain(amContainer);
    expect(taskContainers).not.toContain('none');
    // each container named by the tasks printed, in its own stdout, the tasks it ran
    let printed = 0;
    for (const c of taskContainers) {
      const out = containerStdout(logs, c);
      const lines = out
        .split('\n')
        .filter((l) => l.startsWith('task for element ') && l.endsWith(` ran in ${c}`));
      expect(lines.length, `${c}:\n${out.slice(0, 2000)}`).toBeGreaterThan(0);
      printed += lines.length;
    }
    expect(printed).toBe(8);
  }, 240_000);

  it('counts words of a local file on the executors', async () => {
    const words = ['alpha', 'beta', 'gamma', 'delta', 'beta', 'alpha', 'alpha'];
    const lines: string[] = [];
    for (let i = 0; i < 500; i++)
      lines.push(`${words[i % words.length]} ${words[(i * 3) % words.length]}\tx${i % 4}`);
    const input = path.join(localDir, 'words.txt');
    writeFileSync(input, lines.join('\n') + '\n');
    const expected = new Map<string, number>();
    for (const line of lines)
      for (const w of line.split(/\s+/)) if (w) expected.set(w, (expected.get(w) ?? 0) + 1);

    // the test cluster's NodeManagers run on this machine: a local path is readable by every executor
    // (file: because a bare path is on fs.defaultFS, HDFS, in yarn mode)
    const run = await submit(WORD_COUNT, [`file://${input}`, '4']);
    const appId = submittedAppId(run.stderr);
    expect(run.code, run.stderr).toBe(0);
    const logs = await appLogs(appId!, ' alpha');
    const amStdout = containerStdout(logs, `container_${appId!.slice('application_'.length)}_01_000001`);
    const got = new Map<string, number>();
    for (const m of amStdout.matchAll(/^(\d+) (\S+)$/gm)) got.set(m[2]!, Number(m[1]));
    expect(got).toEqual(expected);
    expect(new Set([...logs.matchAll(/Registered executor (\d+) /g)].map((m) => m[1])).size).toBe(2);
  }, 240_000);
});
