import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebHdfsClient } from '../../../src/hadoop/webhdfs/client.js';
import { hadoopCluster, type HadoopCluster } from '../../support/hadoop.js';
import { REPO_ROOT, runSubmit, SUBMIT_BIN, submittedAppId, type CliRun } from '../../support/submit-cli.js';
import { tempDir } from '../../support/temp-dir.js';
import {
  countWords,
  hdfsTestDir,
  readPartFiles,
  SMALL_BLOCK,
  wordLines,
  writeLines,
} from '../hdfs-io/support.js';

/**
 * yarn-client through the built CLI (`npm run build` first): the driver runs
 * in tspark-submit, the ApplicationMaster only launches executors, which dial
 * the driver endpoint on this machine. Results are read from the CLI's own
 * stdout; final states from the RM's REST API; staging over WebHDFS.
 */

const SPARK_PI = path.join(REPO_ROOT, 'examples', 'spark-pi.ts');
const WORD_COUNT = path.join(REPO_ROOT, 'examples', 'word-count.ts');
const TASK_CONTAINERS = path.join(REPO_ROOT, 'test', 'fixtures', 'apps', 'task-containers.ts');

let cluster: HadoopCluster;
let hdfs: WebHdfsClient;
let runtimeDir: string;
let stagingBase: string;
let appsDir: string;
let hdfsBase: string;

function clientArgs(extra: string[] = []): string[] {
  return [
    '--master',
    'yarn',
    '--deploy-mode',
    'client',
    '--num-executors',
    '2',
    '--executor-memory',
    '256m',
    '--conf',
    'spark.yarn.am.memory=256m',
    '--conf',
    'spark.yarn.maxAppAttempts=1',
    '--conf',
    `spark.tspark.yarn.runtimeDir=${runtimeDir}`,
    '--conf',
    `spark.yarn.stagingDir=${stagingBase}`,
    ...extra,
  ];
}

const env = (): Record<string, string> => ({
  HADOOP_CONF_DIR: cluster.confDir,
  HADOOP_USER_NAME: cluster.user,
});

const submit = (app: string, appArgs: string[], extra: string[] = []): Promise<CliRun> =>
  runSubmit([...clientArgs(extra), app, ...appArgs], env());

interface RmApp {
  state: string;
  finalStatus: string;
  diagnostics: string;
}

async function rmApp(appId: string): Promise<RmApp> {
  const res = await fetch(`${cluster.rmUrl}/ws/v1/cluster/apps/${appId}?user.name=${cluster.user}`);
  return ((await res.json()) as { app: RmApp }).app;
}

function stagingDirOf(appId: string): string {
  return `${stagingBase}/${cluster.user}/.sparkStaging/${appId}`;
}

/** Registered executors, from the driver's log on the CLI's stderr. */
function registeredExecutors(stderr: string): Set<string> {
  return new Set([...stderr.matchAll(/Registered executor (\d+) /g)].map((m) => m[1]!));
}

function writeApp(name: string, source: string): string {
  const file = path.join(appsDir, name);
  writeFileSync(file, source);
  return file;
}

beforeAll(async () => {
  cluster = hadoopCluster();
  hdfs = new WebHdfsClient({ namenodes: [cluster.nameNodeUrl], user: cluster.user });
  runtimeDir = `/user/${cluster.user}/.tspark-test-runtime-client-${process.pid}`;
  stagingBase = `/user/${cluster.user}/.tspark-test-staging-client-${process.pid}`;
  hdfsBase = hdfsTestDir('yarn-client');
  appsDir = tempDir('tspark-client-mode-apps-');
  await hdfs.mkdirs(hdfsBase);
});

afterAll(async () => {
  await hdfs.delete(runtimeDir, true).catch(() => false);
  await hdfs.delete(stagingBase, true).catch(() => false);
  await hdfs.delete(hdfsBase, true).catch(() => false);
});

describe('yarn-client mode', () => {
  it("runs SparkPi with 2 executors and prints the estimate on the CLI's stdout", async () => {
    const run = await submit(SPARK_PI, ['10']);
    const appId = submittedAppId(run.stderr);
    expect(appId, run.stderr).toBeDefined();
    expect(run.code, run.stderr).toBe(0);
    const pi = /Pi is roughly (\d+\.\d+)/.exec(run.stdout);
    expect(pi, run.stdout + run.stderr.slice(-3000)).not.toBeNull();
    expect(Math.abs(Number(pi![1]) - Math.PI)).toBeLessThan(0.1);
    expect(run.stderr).toContain(`Application ${appId} finished with final status SUCCEEDED.`);
    expect(registeredExecutors(run.stderr).size, run.stderr.slice(-4000)).toBe(2);
    expect(run.stderr).not.toMatch(/Lost executor/);
    const app = await rmApp(appId!);
    expect([app.state, app.finalStatus]).toEqual(['FINISHED', 'SUCCEEDED']);
    expect(await hdfs.exists(stagingDirOf(appId!))).toBe(false);
  }, 300_000);

  it('runs every task in an executor container of the application, none in this process', async () => {
    const run = await submit(TASK_CONTAINERS, ['8']);
    const appId = submittedAppId(run.stderr);
    expect(run.code, run.stderr.slice(-4000)).toBe(0);
    // the driver is tspark-submit: it runs in no container
    expect(run.stdout).toContain('driver container none');
    const containers = /task containers (\S+)/.exec(run.stdout)![1]!.split(',');
    const amContainer = `container_${appId!.slice('application_'.length)}_01_000001`;
    expect(containers).not.toContain('none');
    expect(containers).not.toContain(amContainer);
    for (const c of containers)
      expect(c.startsWith(`container_${appId!.slice('application_'.length)}_01_`)).toBe(true);
    expect(containers.length).toBeGreaterThanOrEqual(1);
    expect(containers.length).toBeLessThanOrEqual(2);
    expect(await hdfs.exists(stagingDirOf(appId!))).toBe(false);
  }, 300_000);

  it('counts the words of a multi-block HDFS file into HDFS with 2 executors', async () => {
    const lines = wordLines(3.5 * SMALL_BLOCK);
    const input = `${hdfsBase}/in/words.txt`;
    await hdfs.mkdirs(`${hdfsBase}/in`);
    await writeLines(hdfs, input, lines, SMALL_BLOCK);
    expect((await hdfs.getFileBlockLocations(input, 0)).length).toBe(4);
    const output = `${hdfsBase}/counts`;
    const run = await submit(WORD_COUNT, [
      `${cluster.defaultFS}${input}`,
      '4',
      `${cluster.defaultFS}${output}`,
    ]);
    const appId = submittedAppId(run.stderr);
    expect(run.code, run.stderr.slice(-4000)).toBe(0);
    expect(registeredExecutors(run.stderr).size).toBe(2);

    const names = (await hdfs.listStatus(output)).map((s) => s.name);
    expect(names).toContain('_SUCCESS');
    const written = new Map(
      (await readPartFiles(hdfs, output)).map((l) => {
        const [w, n] = l.split('\t');
        return [w!, Number(n)] as const;
      }),
    );
    const expected = countWords(lines);
    expect(written).toEqual(expected);
    // the ten most frequent words are printed by the driver, here
    const top = [...expected].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).slice(0, 10);
    expect(run.stdout.trim().split('\n')).toEqual(top.map(([w, n]) => `${n} ${w}`));
    expect(await hdfs.exists(stagingDirOf(appId!))).toBe(false);
  }, 300_000);

  it("fails the application with the user's error when main throws", async () => {
    const marker = `client-mode-failure-${process.pid}`;
    const app = writeApp(
      'throws.mjs',
      `export default async function main(sc) {
  const n = await sc.parallelize([1, 2, 3, 4], 2).map((x) => x * 2).count();
  console.log('counted ' + n);
  throw new Error('${marker}');
}
`,
    );
    const run = await submit(app, []);
    const appId = submittedAppId(run.stderr);
    expect(appId, run.stderr).toBeDefined();
    expect(run.stdout).toContain('counted 4');
    expect(run.code, run.stderr.slice(-3000)).toBe(4);
    expect(run.stderr).toContain(marker);
    const rm = await rmApp(appId!);
    expect(rm.finalStatus).toBe('FAILED');
    expect(rm.diagnostics).toContain(`User application exited with an error`);
    expect(rm.diagnostics).toContain(marker);
    expect(await hdfs.exists(stagingDirOf(appId!))).toBe(false);
  }, 300_000);

  it('names the driver address the cluster could not reach', async () => {
    // the endpoint listens on 127.0.0.1 only, but tells the cluster to dial 127.0.0.2: refused
    const run = await submit(
      SPARK_PI,
      ['2'],
      [
        '--conf',
        'spark.driver.bindAddress=127.0.0.1',
        '--conf',
        'spark.driver.host=127.0.0.2',
        '--conf',
        'spark.yarn.am.waitTime=5s',
      ],
    );
    const appId = submittedAppId(run.stderr);
    expect(appId, run.stderr).toBeDefined();
    expect(run.code, run.stderr.slice(-3000)).toBe(4);
    const port = /Driver endpoint for the ApplicationMaster and executors: 127\.0\.0\.2:(\d+)/.exec(
      run.stderr,
    )?.[1];
    expect(port, run.stderr).toBeDefined();
    expect(run.stderr).toContain(`could not reach the driver at 127.0.0.2:${port}`);
    const rm = await rmApp(appId!);
    expect(rm.finalStatus).toBe('FAILED');
    expect(rm.diagnostics).toContain(`could not reach the driver at 127.0.0.2:${port}`);
    expect(await hdfs.exists(stagingDirOf(appId!))).toBe(false);
  }, 300_000);

  it('stops the driver when the application is killed on YARN, and exits with KILLED (5)', async () => {
    const app = writeApp(
      'sleeps-long.mjs',
      `export default async function main(sc) {
  await sc.parallelize([1, 2], 2).map((x) => {
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 120000);
    return x;
  }).count();
  console.log('job finished');
}
`,
    );
    let killed: Promise<CliRun> | undefined;
    const run = await runSubmit([...clientArgs(), app], env(), (stderr) => {
      const appId = submittedAppId(stderr);
      if (!killed && appId && /Submitting \d+ missing tasks/.test(stderr)) {
        killed = runSubmit(['--master', 'yarn', '--kill', appId], env());
      }
    });
    const appId = submittedAppId(run.stderr);
    expect(killed, run.stderr.slice(-3000)).toBeDefined();
    expect((await killed!).code).toBe(0);
    expect(run.stdout).not.toContain('job finished');
    expect(run.code, run.stderr.slice(-3000)).toBe(5);
    expect(run.stderr).toContain(`Application ${appId} was killed.`);
    expect((await rmApp(appId!)).state).toBe('KILLED');
    expect(await hdfs.exists(stagingDirOf(appId!))).toBe(false);
  }, 300_000);

  it('Ctrl-C in the CLI kills the application, removes staging and exits 130', async () => {
    const app = writeApp(
      'sleeps.mjs',
      `export default async function main(sc) {
  console.log('job starting');
  await sc.parallelize([1, 2, 3, 4], 4).map((x) => {
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 120000);
    return x;
  }).count();
  console.log('job finished');
}
`,
    );
    const child = spawn(process.execPath, [SUBMIT_BIN, ...clientArgs(), app], {
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', TSPARK_LOG_LEVEL: 'info', ...env() },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    let signalledAt = 0;
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
      // mid-job: the tasks are running on the executors
      if (
        !signalledAt &&
        /Starting task|Submitting \d+ missing tasks/.test(stderr) &&
        registeredExecutors(stderr).size === 2
      ) {
        signalledAt = Date.now();
        setTimeout(() => child.kill('SIGINT'), 2000);
      }
    });
    const code = await new Promise<number | null>((resolve) => child.once('close', (c) => resolve(c)));
    const appId = submittedAppId(stderr);
    expect(appId, stderr).toBeDefined();
    expect(signalledAt, stderr.slice(-3000)).toBeGreaterThan(0);
    expect(stdout).not.toContain('job finished');
    expect(code, stderr.slice(-3000)).toBe(130);
    expect(stderr).toContain(`Interrupted (SIGINT): killing application ${appId}`);
    const rm = await rmApp(appId!);
    expect(rm.state).toBe('KILLED');
    expect(await hdfs.exists(stagingDirOf(appId!))).toBe(false);
  }, 300_000);
});
