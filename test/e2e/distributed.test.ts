import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebHdfsClient } from '../../src/hadoop/webhdfs/client.js';
import { hadoopCluster, type HadoopCluster } from '../support/hadoop.js';
import { REPO_ROOT, runSubmit, submittedAppId, type CliRun } from '../support/submit-cli.js';
import { tempDir } from '../support/temp-dir.js';

/**
 * The distributed path end to end, through the CLI, in the three modes that
 * run tasks in executor processes: yarn-cluster (driver in the AM),
 * yarn-client (driver in the CLI) and local-cluster[2,1,1024] (no YARN).
 * Input and output live on the test cluster's HDFS; the input is written
 * with 1 MiB blocks so that it spans several blocks, and every expected
 * count is computed here, from the same lines, with a plain loop.
 */

const WORD_COUNT = path.join(REPO_ROOT, 'examples', 'word-count.ts');
const WORD_COUNT_FAULTS = path.join(REPO_ROOT, 'test', 'fixtures', 'apps', 'word-count-faults.ts');
const SPARK_PI = path.join(REPO_ROOT, 'examples', 'spark-pi.ts');
const SHUFFLE_KILL = path.join(REPO_ROOT, 'test', 'fixtures', 'apps', 'shuffle-kill.ts');
const FETCH_FAIL = path.join(REPO_ROOT, 'test', 'fixtures', 'apps', 'fetch-fail.ts');
const BLOCK = 1024 * 1024;

let cluster: HadoopCluster;
let hdfs: WebHdfsClient;
let base: string;
let runtimeDir: string;
let input: string;
let expected: Map<string, number>;
const local = tempDir('tspark-e2e-distributed-');

interface Mode {
  name: string;
  args(): string[];
  /** The driver's stdout: the CLI's in client modes, the AM container's in cluster mode. */
  driverStdout(run: CliRun): Promise<string>;
  /** The driver's log (stderr), likewise. */
  driverLog(run: CliRun): Promise<string>;
}

const yarnCommon = (): string[] => [
  '--num-executors',
  '2',
  '--executor-cores',
  '1',
  '--executor-memory',
  '256m',
  '--conf',
  'spark.yarn.maxAppAttempts=1',
  '--conf',
  `spark.tspark.yarn.runtimeDir=${runtimeDir}`,
];

/** The AM container's logs from Hadoop's own `yarn logs`, one fetch per application. */
const amLogsByApp = new Map<string, Promise<string>>();

/** One of the AM container's log files, retried until log aggregation has the driver's last words. */
async function amLog(run: CliRun, file: 'stdout' | 'stderr'): Promise<string> {
  const appId = submittedAppId(run.stderr);
  expect(appId, run.stderr).toBeDefined();
  let all = amLogsByApp.get(appId!);
  if (!all) {
    const am = `container_${appId!.slice('application_'.length)}_01_000001`;
    all = (async () => {
      let out = '';
      for (let i = 0; i < 60; i++) {
        out = (await cluster.hadoopCli(['yarn', 'logs', '-applicationId', appId!, '-containerId', am]))
          .stdout;
        if (/Successfully stopped SparkContext/.test(out)) break;
        await new Promise((r) => setTimeout(r, 2000));
      }
      return out;
    })();
    amLogsByApp.set(appId!, all);
  }
  const section = new RegExp(
    `LogType:${file}\\n[\\s\\S]*?LogContents:\\n([\\s\\S]*?)\\nEnd of LogType:${file}`,
  );
  return section.exec(await all)?.[1] ?? '';
}

const MODES: Mode[] = [
  {
    name: 'yarn-cluster',
    args: () => ['--master', 'yarn', '--deploy-mode', 'cluster', '--driver-memory', '256m', ...yarnCommon()],
    driverStdout: (run) => amLog(run, 'stdout'),
    driverLog: (run) => amLog(run, 'stderr'),
  },
  {
    name: 'yarn-client',
    args: () => ['--master', 'yarn', '--deploy-mode', 'client', ...yarnCommon()],
    driverStdout: (run) => Promise.resolve(run.stdout),
    driverLog: (run) => Promise.resolve(run.stderr),
  },
  {
    name: 'local-cluster[2,1,1024]',
    args: () => ['--master', 'local-cluster[2,1,1024]'],
    driverStdout: (run) => Promise.resolve(run.stdout),
    driverLog: (run) => Promise.resolve(run.stderr),
  },
];

function wordsOf(line: string): string[] {
  return line.split(/[ \t\n\v\f\r]+/).filter((w) => w.length > 0);
}

/** Every `part-*` file of an output directory on HDFS, parsed as `word<TAB>count` lines. */
async function readCounts(dir: string): Promise<Map<string, number>> {
  const files = (await hdfs.listStatus(dir)).map((f) => f.name);
  const parts = files.filter((n) => n.startsWith('part-')).sort();
  expect(parts.length).toBeGreaterThan(0);
  const got = new Map<string, number>();
  for (const p of parts) {
    const text = (await hdfs.readAll(`${dir}/${p}`)).toString('utf8');
    for (const line of text.split('\n')) {
      if (line === '') continue;
      const [w, n] = line.split('\t');
      expect(got.has(w!), `word ${w} appears twice in the output`).toBe(false);
      got.set(w!, Number(n));
    }
  }
  return got;
}

beforeAll(async () => {
  cluster = hadoopCluster();
  hdfs = new WebHdfsClient({ namenodes: [cluster.nameNodeUrl], user: cluster.user });
  base = `/user/${cluster.user}/tspark-it/distributed-${process.pid}-${Date.now()}`;
  runtimeDir = `${base}/runtime`;
  await hdfs.mkdirs(base);

  // ~3.5 MiB of lines over a small vocabulary ('alpha' included): several 1 MiB blocks
  const vocabulary = ['alpha', 'beta', 'gamma', 'delta', 'epsilon', 'zeta', 'eta', 'theta', 'iota', 'kappa'];
  const lines: string[] = [];
  let seed = 12345;
  const next = (): number => (seed = (seed * 1103515245 + 12345) % 2147483648);
  for (let size = 0; size < 3.5 * BLOCK;) {
    const n = 3 + (next() % 9);
    const words = Array.from(
      { length: n },
      (_, i) => vocabulary[(next() >> 8) % vocabulary.length]! + (i % 5 === 4 ? `${next() % 50}` : ''),
    );
    const line = words.join(next() % 7 === 0 ? '\t' : ' ');
    lines.push(line);
    size += line.length + 1;
  }
  const text = lines.join('\n') + '\n';
  expected = new Map();
  for (const line of lines) for (const w of wordsOf(line)) expected.set(w, (expected.get(w) ?? 0) + 1);
  input = `${base}/input.txt`;
  await hdfs.create(input, Buffer.from(text), { blockSize: BLOCK });
  const blocks = await hdfs.getFileBlockLocations(input);
  expect(blocks.length).toBeGreaterThanOrEqual(3);
}, 60_000);

afterAll(async () => {
  await hdfs.delete(base, true).catch(() => false);
});

const env = (): Record<string, string> => ({ HADOOP_CONF_DIR: cluster.confDir });

describe.each(MODES)('$name', (mode) => {
  const out = (name: string): string => `${base}/${mode.name.replace(/\W+/g, '-')}/${name}`;

  it('counts the words of a multi-block HDFS file on 2 executors into HDFS', async () => {
    const output = out('wc');
    // the scheme-less input resolves against fs.defaultFS; the output is a full hdfs:// URI
    const run = await runSubmit(
      [...mode.args(), WORD_COUNT, input, '4', `${cluster.defaultFS}${output}`],
      env(),
    );
    expect(run.code, run.stderr).toBe(0);
    expect(await hdfs.exists(`${output}/_SUCCESS`)).toBe(true);
    expect((await hdfs.listStatus(output)).map((f) => f.name)).not.toContain('_temporary');
    const got = await readCounts(output);
    expect(got.size).toBe(expected.size);
    for (const [w, n] of expected) expect(got.get(w), w).toBe(n);
  }, 300_000);

  it('prints SparkPi estimate from the driver', async () => {
    const run = await runSubmit([...mode.args(), SPARK_PI, '10'], env());
    expect(run.code, run.stderr).toBe(0);
    const stdout = await mode.driverStdout(run);
    const pi = /Pi is roughly (\d+\.\d+)/.exec(stdout);
    expect(pi, stdout.slice(0, 2000)).not.toBeNull();
    expect(Math.abs(Number(pi![1]) - Math.PI)).toBeLessThan(0.1);
  }, 300_000);

  /** word-count-faults.ts into out(kind) with spark.task.maxFailures=3 and a fresh marker file. */
  const runFaults = async (
    kind: 'flaky' | 'broken',
  ): Promise<{ output: string; marker: string; run: CliRun }> => {
    const output = out(kind);
    const marker = path.join(local, `${mode.name.replace(/\W+/g, '-')}-${kind}`);
    writeFileSync(marker, '');
    const args = ['--conf', 'spark.task.maxFailures=3', WORD_COUNT_FAULTS, input, output, marker, kind, '4'];
    return { output, marker, run: await runSubmit([...mode.args(), ...args], env()) };
  };

  it('retries a task that fails twice and still writes the right counts', async () => {
    const { output, marker, run } = await runFaults('flaky');
    expect(run.code, run.stderr).toBe(0);
    expect(readFileSync(marker, 'utf8')).toBe('xxx');
    expect(await hdfs.exists(`${output}/_SUCCESS`)).toBe(true);
    const got = await readCounts(output);
    expect(got.size).toBe(expected.size);
    for (const [w, n] of expected) expect(got.get(w), w).toBe(n);
  }, 300_000);

  it("fails the job with the user's error after spark.task.maxFailures and leaves no output", async () => {
    const { output, marker, run } = await runFaults('broken');
    expect(run.code, run.stderr).not.toBe(0);
    expect(run.stderr).toContain('user error: alpha is broken');
    // exactly maxFailures attempts of the failing task ran
    expect(readFileSync(marker, 'utf8')).toBe('xxx');
    const left = (await hdfs.exists(output)) ? (await hdfs.listStatus(output)).map((f) => f.name) : [];
    expect(left.filter((n) => n === '_SUCCESS' || n.startsWith('part-') || n === '_temporary')).toEqual([]);
  }, 300_000);

  it('recomputes the finished map outputs of an executor killed mid-shuffle', async () => {
    const marker = path.join(local, `${mode.name.replace(/\W+/g, '-')}-kill`);
    writeFileSync(marker, '');
    const running = runSubmit([...mode.args(), SHUFFLE_KILL, marker, '8', '1500'], env());
    // wait for an executor to finish a map task, let its output register, then kill it
    let victim: { pid: number; partition: number } | undefined;
    for (let i = 0; i < 1200 && !victim; i++) {
      const first = /^done (\d+) (\d+)$/m.exec(readFileSync(marker, 'utf8'));
      if (first) victim = { partition: Number(first[1]), pid: Number(first[2]) };
      else await new Promise((r) => setTimeout(r, 100));
    }
    expect(victim, 'no map task finished').toBeDefined();
    await new Promise((r) => setTimeout(r, 400));
    process.kill(victim!.pid, 'SIGKILL');
    const run = await running;
    expect(run.code, run.stderr).toBe(0);

    const done = readFileSync(marker, 'utf8')
      .trim()
      .split('\n')
      .map((l) => l.split(' ').map(Number) as [unknown, number, number]);
    // every partition finished somewhere other than the killed executor...
    for (let p = 0; p < 8; p++)
      expect(
        done.some(([, q, pid]) => q === p && pid !== victim!.pid),
        `partition ${p}`,
      ).toBe(true);
    // ...including the one it had finished before it died: its output was lost with it and recomputed
    const again = done.filter(([, q, pid]) => q === victim!.partition && pid !== victim!.pid);
    expect(again.length, `partition ${victim!.partition} was not recomputed`).toBeGreaterThan(0);

    const stdout = await mode.driverStdout(run);
    for (let k = 0; k < 10; k++) {
      let sum = 0;
      for (let x = k; x < 8000; x += 10) sum += x;
      expect(stdout, `key ${k}`).toContain(`sum ${k} ${sum}\n`);
    }
  }, 300_000);

  it("reruns the map stage when a reducer's fetch fails, and gives the right answer", async () => {
    const name = mode.name.replace(/\W+/g, '-');
    const ready = path.join(local, `${name}-ready`);
    const go = path.join(local, `${name}-go`);
    const localDir = path.join(local, `${name}-local`);
    let appId: string | undefined;
    const running = runSubmit(
      [...mode.args(), '--conf', `spark.local.dir=${localDir}`, FETCH_FAIL, ready, go],
      env(),
      (stderr) => (appId ??= submittedAppId(stderr)),
    );
    for (let i = 0; i < 1800 && !existsSync(ready); i++) await new Promise((r) => setTimeout(r, 100));
    expect(existsSync(ready), 'job 1 did not finish').toBe(true);
    // every map output file of the shuffle, wherever the executors keep them
    const roots = appId
      ? cluster.nodeManagers.flatMap((nm) =>
          nm.localDir.split(',').map((d) => path.join(d, 'usercache', cluster.user, 'appcache', appId!)),
        )
      : [localDir];
    const outputs = roots.flatMap((r) => shuffleDataFiles(r));
    expect(outputs.length, `no map outputs under ${roots.join(', ')}`).toBeGreaterThan(0);
    for (const f of outputs) rmSync(f);
    writeFileSync(go, 'go');
    const run = await running;
    expect(run.code, run.stderr).toBe(0);
    const stdout = await mode.driverStdout(run);
    for (let k = 0; k < 10; k++) {
      let sum = 0;
      for (let x = k; x < 8000; x += 10) sum += x;
      expect(stdout, `key ${k}`).toContain(`sum ${k} ${sum}\n`);
    }
    // the answer came from recomputed map outputs, after a fetch failure
    const log = await mode.driverLog(run);
    expect(log).toMatch(/Map outputs of executor \S+ dropped/);
    expect(log).toMatch(/Resubmitting failed stages/);
  }, 300_000);
});

/** Shuffle data files (`.../tspark-executor-<id>-*\/slot-<n>/shuffle/shuffle_<s>_<m>_0.data`) under a directory. */
function shuffleDataFiles(root: string): string[] {
  const found: string[] = [];
  const walk = (dir: string, depth: number): void => {
    if (depth > 8 || !existsSync(dir)) return;
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p, depth + 1);
      else if (/^shuffle_\d+_\d+_0\.data$/.test(e.name) && /tspark-executor-/.test(p)) found.push(p);
    }
  };
  walk(root, 0);
  return found;
}
