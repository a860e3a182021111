// The YARN side of the benchmarks, on the Hadoop test cluster (docs/test-cluster.md):
// finding the cluster, pre-staging Spark's jars for spark.yarn.archive (Spark's best
// case), and reading an application's answer and tspark's submission timeline.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import type { SparkInstall } from './spark-install.js';

export interface YarnCluster {
  hadoopConfDir: string;
  /** fs.defaultFS of the cluster (`hdfs://host:port`), for full HDFS URLs both engines resolve the same way. */
  defaultFs: string;
  /** scripts/hadoop/{hdfs,yarn}: Hadoop's own command lines against the test cluster. */
  hdfsCommand: string;
  yarnCommand: string;
}

/**
 * The test cluster, if it is up: HADOOP_CONF_DIR from the environment or from
 * scripts/hadoop/env. Returns the reason when it cannot be used.
 */
export function findTestCluster(repoRoot: string, env: NodeJS.ProcessEnv): YarnCluster | string {
  const scripts = join(repoRoot, 'scripts', 'hadoop');
  const status = spawnSync(join(scripts, 'status'), [], { encoding: 'utf8' });
  if (status.error || status.status !== 0) {
    return 'the Hadoop test cluster is not running: start it with `npm run hadoop:start` (docs/test-cluster.md)';
  }
  let hadoopConfDir = env.HADOOP_CONF_DIR;
  if (!hadoopConfDir) {
    const out = spawnSync(join(scripts, 'env'), [], { encoding: 'utf8' }).stdout ?? '';
    hadoopConfDir = /HADOOP_CONF_DIR=(\S+)/.exec(out)?.[1];
  }
  if (!hadoopConfDir || !existsSync(join(hadoopConfDir, 'yarn-site.xml'))) {
    return 'no Hadoop client configuration: set HADOOP_CONF_DIR (eval "$(scripts/hadoop/env)")';
  }
  const defaultFs = readDefaultFs(readFileSync(join(hadoopConfDir, 'core-site.xml'), 'utf8'));
  if (!defaultFs?.startsWith('hdfs://')) {
    return `fs.defaultFS in ${hadoopConfDir}/core-site.xml is not an hdfs:// URL (${defaultFs ?? 'not set'})`;
  }
  return {
    hadoopConfDir,
    defaultFs: defaultFs.replace(/\/+$/, ''),
    hdfsCommand: join(scripts, 'hdfs'),
    yarnCommand: join(scripts, 'yarn'),
  };
}

/** fs.defaultFS from a core-site.xml text. */
export function readDefaultFs(coreSite: string): string | undefined {
  const m = /<name>\s*fs\.defaultFS\s*<\/name>\s*<value>\s*([^<\s]+)\s*<\/value>/.exec(coreSite);
  return m?.[1];
}

function run(
  command: string,
  args: string[],
  env: NodeJS.ProcessEnv,
): { status: number | null; out: string } {
  const r = spawnSync(command, args, { encoding: 'utf8', env, maxBuffer: 256 << 20 });
  return { status: r.status, out: `${r.stdout ?? ''}${r.stderr ?? ''}` };
}

/** Where Spark's jars live on HDFS for spark.yarn.archive. */
export function sparkArchivePath(version: string): string {
  return `/spark/spark-libs-${version}.zip`;
}

/**
 * Zips the contents of Spark's jars/ (jars at the zip root, stored uncompressed, as
 * Spark's docs advise) and uploads it once, world-readable, so every submission
 * localizes it as a cached PUBLIC archive instead of uploading ~400 MB of jars.
 */
export function ensureSparkArchive(
  cluster: YarnCluster,
  spark: SparkInstall,
  log: (line: string) => void,
): string {
  const remote = sparkArchivePath(spark.version);
  const env = { ...process.env, HADOOP_CONF_DIR: cluster.hadoopConfDir };
  if (run(cluster.hdfsCommand, ['dfs', '-test', '-e', remote], env).status === 0) return remote;
  const local = join(spark.sparkHome, '..', `spark-libs-${spark.version}.zip`);
  if (!existsSync(local)) {
    log(`zipping Spark's jars into ${local} ...`);
    rmSync(`${local}.partial`, { force: true });
    const z = run(
      'jar',
      [
        '--create',
        '--no-compress',
        '--no-manifest',
        '--file',
        `${local}.partial`,
        '-C',
        join(spark.sparkHome, 'jars'),
        '.',
      ],
      env,
    );
    if (z.status !== 0) throw new Error(`zipping Spark's jars failed:\n${z.out.slice(-2000)}`);
    renameSync(`${local}.partial`, local);
  }
  log(`uploading Spark's jars to hdfs://${remote} (spark.yarn.archive) ...`);
  for (const args of [
    ['dfs', '-mkdir', '-p', '/spark'],
    ['dfs', '-chmod', '755', '/spark'],
    ['dfs', '-put', '-f', local, remote],
    ['dfs', '-chmod', '644', remote],
  ]) {
    const r = run(cluster.hdfsCommand, args, env);
    if (r.status !== 0) throw new Error(`hdfs ${args.join(' ')} failed:\n${r.out.slice(-2000)}`);
  }
  return remote;
}

/** Where the benchmark keeps a generated input on HDFS: one file per input name (its name carries format, size and seed). */
export function benchHdfsPath(localInput: string): string {
  return `/tspark-bench/${basename(localInput)}`;
}

/** A full `hdfs://namenode:port/path` URL, read the same way by both engines. */
export function hdfsUrl(cluster: YarnCluster, path: string): string {
  return `${cluster.defaultFs}${path}`;
}

function hdfsFileSize(cluster: YarnCluster, remote: string, env: NodeJS.ProcessEnv): number | undefined {
  const r = run(cluster.hdfsCommand, ['dfs', '-stat', '%b', remote], env);
  const size = r.status === 0 ? Number(/^\d+$/m.exec(r.out)?.[0]) : NaN;
  return Number.isFinite(size) ? size : undefined;
}

function hdfs(cluster: YarnCluster, args: string[], env: NodeJS.ProcessEnv): void {
  const r = run(cluster.hdfsCommand, args, env);
  if (r.status !== 0) throw new Error(`hdfs ${args.join(' ')} failed:\n${r.out.slice(-2000)}`);
}

/**
 * Uploads a generated input to HDFS once (benchHdfsPath) and reuses it while the copy
 * there has the local file's size. Returns the HDFS path.
 */
export function ensureHdfsCopy(
  cluster: YarnCluster,
  localInput: string,
  log: (line: string) => void,
): string {
  const remote = benchHdfsPath(localInput);
  const env = { ...process.env, HADOOP_CONF_DIR: cluster.hadoopConfDir };
  const size = statSync(localInput).size;
  if (hdfsFileSize(cluster, remote, env) === size) return remote;
  log(`uploading ${localInput} (${(size / 2 ** 20).toFixed(0)} MiB) to hdfs://${remote} ...`);
  hdfs(cluster, ['dfs', '-mkdir', '-p', dirname(remote)], env);
  // -put writes <name>._COPYING_ and renames it, so an interrupted upload leaves no short file under the name.
  hdfs(cluster, ['dfs', '-put', '-f', localInput, remote], env);
  return remote;
}

/** Writes a small text file to HDFS unless a file of that size is there already. Returns the path. */
export function ensureHdfsText(cluster: YarnCluster, remote: string, text: string): string {
  const env = { ...process.env, HADOOP_CONF_DIR: cluster.hadoopConfDir };
  if (hdfsFileSize(cluster, remote, env) === Buffer.byteLength(text)) return remote;
  const dir = mkdtempSync(join(tmpdir(), 'tspark-bench-'));
  try {
    const local = join(dir, basename(remote));
    writeFileSync(local, text);
    hdfs(cluster, ['dfs', '-mkdir', '-p', dirname(remote)], env);
    hdfs(cluster, ['dfs', '-put', '-f', local, remote], env);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return remote;
}

/** The first YARN application id in a client's output. */
export function findApplicationId(output: string): string | undefined {
  return /\b(application_\d+_\d+)\b/.exec(output)?.[1];
}

/** One log file of one container, from the aggregated logs. */
export interface ContainerLog {
  containerId: string;
  logType: string;
  contents: string;
}

/** Splits `yarn logs` / `tspark logs` output into its container log files. */
export function parseAggregatedLogs(text: string): ContainerLog[] {
  const out: ContainerLog[] = [];
  const section =
    /^Container: (\S+) on \S+\n(?:(?!Container: )[^\n]*\n)*?LogType:(\S+)\n(?:[^\n]*\n)*?LogContents:\n([\s\S]*?)\n?End of LogType:\2$/gm;
  for (let m = section.exec(text); m; m = section.exec(text))
    out.push({ containerId: m[1]!, logType: m[2]!, contents: m[3]! });
  return out;
}

/** The driver's container in cluster mode: the AM's (`..._000001`), of the last attempt. */
export function amContainerLog(logs: readonly ContainerLog[], logType: string): string | undefined {
  const am = logs
    .filter((l) => l.logType === logType && /_0*1$/.test(l.containerId))
    .sort((a, b) => (a.containerId < b.containerId ? -1 : a.containerId > b.containerId ? 1 : 0));
  return am[am.length - 1]?.contents;
}

const fetchedLogs = new Map<string, Promise<ContainerLog[]>>();

/**
 * The aggregated stdout and stderr of an application's containers, read with
 * `tspark logs` (faster than Hadoop's JVM client; it reads Spark's applications too),
 * retried until the driver's stdout and stderr are there (aggregation finishes after
 * the application does). Read once per application: the answer and the phases share it.
 */
export function applicationLogs(
  cluster: YarnCluster,
  repoRoot: string,
  node: string,
  appId: string,
  attempts = 8,
): Promise<ContainerLog[]> {
  let logs = fetchedLogs.get(appId);
  if (!logs) {
    logs = readApplicationLogs(cluster, repoRoot, node, appId, attempts);
    fetchedLogs.set(appId, logs);
    logs.catch(() => fetchedLogs.delete(appId));
  }
  return logs;
}

async function readApplicationLogs(
  cluster: YarnCluster,
  repoRoot: string,
  node: string,
  appId: string,
  attempts: number,
): Promise<ContainerLog[]> {
  const env = { ...process.env, HADOOP_CONF_DIR: cluster.hadoopConfDir };
  const cli = join(repoRoot, 'bin', 'tspark.js');
  let last = '';
  for (let i = 0; i < attempts; i++) {
    const r = run(node, [cli, 'logs', '-applicationId', appId, '-log_files', 'stdout,stderr'], env);
    last = r.out;
    const logs = parseAggregatedLogs(r.out);
    if (amContainerLog(logs, 'stdout') !== undefined && amContainerLog(logs, 'stderr') !== undefined)
      return logs;
    await new Promise((resolve) => setTimeout(resolve, 2000));
  }
  throw new Error(`cannot read the driver's logs of ${appId}: ${last.slice(-1000)}`);
}

/** The time of a tspark log line (`2026-11-23 07:36:14.447 INFO ...`, UTC) in ms since the epoch. */
export function logLineTime(line: string): number | undefined {
  const m = /^(\d{4}-\d\d-\d\d) (\d\d:\d\d:\d\d(?:\.\d+)?) /.exec(line);
  if (!m) return undefined;
  const t = Date.parse(`${m[1]}T${m[2]}Z`);
  return Number.isFinite(t) ? t : undefined;
}

function firstLineTime(log: string, pattern: RegExp, which: 'first' | 'last' = 'first'): number | undefined {
  const lines = log.split('\n').filter((l) => pattern.test(l));
  const line = which === 'first' ? lines[0] : lines[lines.length - 1];
  return line === undefined ? undefined : logLineTime(line);
}

/**
 * What the driver in the AM logged (ms since the epoch): registered with the
 * ResourceManager (rm-session), first executor registered with the driver
 * (cluster-backend), last job finished (DAGScheduler).
 */
export function amEvents(amStderr: string): {
  amRegistered?: number;
  firstExecutorRegistered?: number;
  jobDone?: number;
} {
  const events = {
    amRegistered: firstLineTime(amStderr, / Registered with the ResourceManager\b/),
    firstExecutorRegistered: firstLineTime(amStderr, / Registered executor \S+/),
    jobDone: firstLineTime(amStderr, / Job \d+ finished\b/, 'last'),
  };
  return Object.fromEntries(Object.entries(events).filter(([, v]) => v !== undefined));
}

/** Phases in the order they happen, with the names printed for them. */
export const PHASE_NAMES: Record<string, string> = {
  clientStarted: 'client started',
  newApplication: 'new application',
  bundled: 'bundled',
  staged: 'staged',
  submitted: 'submitted',
  accepted: 'ACCEPTED',
  amRegistered: 'AM registered',
  running: 'RUNNING seen',
  firstExecutorRegistered: 'first executor registered',
  jobDone: 'job done',
  finished: 'FINISHED seen',
};

/**
 * tspark's yarn-cluster submission in ms since the CLI process was spawned
 * (`spawnedAt`, ms since the epoch, the origin of the wall time): the client's
 * phases from its `Submission timeline` line (relative to the submission's own
 * start), the driver's from the AM's log. Both logs are stamped by this machine's
 * clock. The submission's start is placed on that clock by the client's
 * `Submitting application to the ResourceManager` line, logged right after `staged`;
 * `clientStarted` is then Node's start-up and the CLI's set-up before it.
 */
export function submissionPhases(
  cliLog: string,
  amStderr: string | undefined,
  spawnedAt: number,
): Record<string, number> | undefined {
  const timeline = parseSubmissionTimeline(cliLog);
  if (!timeline) return undefined;
  const submitting = firstLineTime(cliLog, / Submitting application to the ResourceManager\b/);
  const origin =
    submitting !== undefined && timeline.staged !== undefined ? submitting - timeline.staged : undefined;
  const out: Record<string, number> = {};
  if (origin !== undefined) out.clientStarted = Math.max(0, origin - spawnedAt);
  const shift = origin !== undefined ? origin - spawnedAt : 0;
  for (const [name, ms] of Object.entries(timeline)) if (name !== 'start') out[name] = ms + shift;
  if (amStderr !== undefined)
    for (const [name, at] of Object.entries(amEvents(amStderr))) out[name] = at - spawnedAt;
  return out;
}

/**
 * tspark-submit's `Submission timeline (ms since start)` log line: phase name -> ms
 * since the CLI started (start, newApplication, bundled, staged, submitted, accepted,
 * running, finished).
 */
export function parseSubmissionTimeline(log: string): Record<string, number> | undefined {
  const line = log.split('\n').find((l) => l.includes('Submission timeline'));
  const json = line ? /timeline=(\{[^}]*\})/.exec(line)?.[1] : undefined;
  if (!json) return undefined;
  return JSON.parse(json) as Record<string, number>;
}

export function readLog(path: string): string {
  return readFileSync(path, 'utf8');
}
