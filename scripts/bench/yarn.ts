// The YARN side of the benchmarks, on the Hadoop test cluster (docs/test-cluster.md):
// finding the cluster, pre-staging Spark's jars for spark.yarn.archive (Spark's best
// case), and reading an application's answer and tspark's submission timeline.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { SparkInstall } from './spark-install.js';

export interface YarnCluster {
  hadoopConfDir: string;
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
  return { hadoopConfDir, hdfsCommand: join(scripts, 'hdfs'), yarnCommand: join(scripts, 'yarn') };
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

/** The first YARN application id in a client's output. */
export function findApplicationId(output: string): string | undefined {
  return /\b(application_\d+_\d+)\b/.exec(output)?.[1];
}

/** stdout of an application's containers, from the aggregated logs (retried while aggregation finishes). */
export async function containerStdout(cluster: YarnCluster, appId: string, attempts = 6): Promise<string> {
  const env = { ...process.env, HADOOP_CONF_DIR: cluster.hadoopConfDir };
  let last = '';
  for (let i = 0; i < attempts; i++) {
    const r = run(cluster.yarnCommand, ['logs', '-applicationId', appId, '-log_files', 'stdout'], env);
    last = r.out;
    if (r.status === 0 && /LogType:stdout/.test(r.out)) return r.out;
    await new Promise((resolve) => setTimeout(resolve, 2000));
  }
  throw new Error(`cannot read the logs of ${appId}: ${last.slice(-1000)}`);
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
