// The workloads: the same program for tspark (apps/*.ts through the real CLI)
// and for Spark (spark/tspark/bench/*.java through spark-submit), how to read
// their answers, and what the rate is measured in.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AnswerKind } from './compare.js';
import type { BenchInputs } from './datagen.js';
import type { BenchOptions, Suite } from './options.js';
import type { SparkInstall } from './spark-install.js';
import { parseResultLine } from './summary.js';
import { runTimed, type Command } from './runner.js';
import {
  amContainerLog,
  applicationLogs,
  benchHdfsPath,
  ensureHdfsCopy,
  ensureHdfsText,
  ensureSparkArchive,
  findApplicationId,
  hdfsUrl,
  sparkArchivePath,
  submissionPhases,
  type YarnCluster,
} from './yarn.js';

export type Engine = 'tspark' | 'spark';

export interface BenchContext {
  repoRoot: string;
  /** The Node binary running the harness (used for tspark-submit too). */
  node: string;
  options: BenchOptions;
  inputs: BenchInputs;
  /** Absent with --tspark-only. */
  spark: { install: SparkInstall; jar: string } | undefined;
  /** The bundled floor program (apps/word-count-floor.ts). */
  floorScript: string;
  /** The Hadoop test cluster, or why it cannot be used; undefined when no YARN workload is selected. */
  yarn?: YarnCluster | string;
  /** java.home of the JDK that runs Spark, handed to Spark's YARN containers. */
  javaHome?: string;
}

/** What a finished run left: its stdout and the log file holding stdout and stderr. */
export interface FinishedRun {
  stdout: string;
  logFile: string;
  /** When the process was spawned, ms since the epoch. */
  startedAtMs: number;
}

export interface Workload {
  id: string;
  title: string;
  /** How the engines run it: a master URL, or `yarn-cluster`. */
  mode: string;
  suites: readonly Suite[];
  answer: AnswerKind;
  inputs: { text?: boolean; sort?: boolean; skew?: boolean };
  /** Work done per run, for the rate column: MB of input, or tasks. */
  work?: (ctx: BenchContext) => { amount: number; unit: 'MB/s' | 'tasks/s' };
  /** The reason this workload cannot run on this checkout or machine yet, if any. */
  unavailable?: (ctx: BenchContext) => string | undefined;
  commands: (ctx: BenchContext) => Partial<Record<Engine, Command>>;
  /** What a single result must satisfy besides agreeing with the other engine. */
  expect?: (ctx: BenchContext) => { records?: number; tasks?: number };
  /** The memory limit is meant to make both engines spill (reported per engine; a warning if not). */
  spills?: boolean;
  /** Must give the same answer as this workload (the floor checks against WordCount). */
  sameAnswerAs?: string;
  parse?: (stdout: string) => Record<string, unknown> | undefined;
  /**
   * Run each engine once, untimed, before the timed runs: YARN localizes Spark's
   * archive (and tspark's runtime) on each NodeManager the first time, and the
   * comparison is meant for the cached case.
   */
  warmUp?: boolean;
  /**
   * Once before the runs (e.g. stage Spark's jars on HDFS). Returns why the workload
   * cannot run after all (e.g. a preflight failed): it is then reported as skipped.
   */
  prepare?: (
    ctx: BenchContext,
    log: (line: string) => void,
  ) => string | undefined | void | Promise<string | undefined | void>;
  /** Reads the answer somewhere else than stdout (cluster mode: the driver's container log). Not timed. */
  answerFrom?: (ctx: BenchContext, run: FinishedRun) => Promise<Record<string, unknown> | undefined>;
  /** Phases of a tspark run (ms since the process was spawned), from its log and the driver's. Not timed. */
  tsparkPhases?: (ctx: BenchContext, run: FinishedRun) => Promise<Record<string, number> | undefined>;
}

const SPARK_CLASS_PREFIX = 'tspark.bench.';
/** Output partitions of the shuffles in the spill workloads (both engines). */
const SHUFFLE_PARTITIONS = 4;
/** Input partitions asked of textFile; both engines split local files into 32 MiB blocks anyway. */
const MIN_INPUT_PARTITIONS = 2;
const MB = 1e6;

function tsparkSubmit(
  ctx: BenchContext,
  master: string,
  app: string,
  args: (string | number)[],
  extra: string[] = [],
): Command {
  return {
    command: ctx.node,
    args: [
      join(ctx.repoRoot, 'bin', 'tspark-submit.js'),
      '--master',
      master,
      ...extra,
      join(ctx.repoRoot, 'scripts', 'bench', 'apps', app),
      ...args.map(String),
    ],
  };
}

function sparkSubmit(
  ctx: BenchContext,
  master: string,
  className: string,
  args: (string | number)[],
  extra: string[] = [],
): Command | undefined {
  if (!ctx.spark) return undefined;
  return {
    command: ctx.spark.install.sparkSubmit,
    args: [
      '--master',
      master,
      // The web UI costs start-up time and tspark has none yet: off, to compare engines.
      '--conf',
      'spark.ui.enabled=false',
      ...extra,
      '--class',
      SPARK_CLASS_PREFIX + className,
      ctx.spark.jar,
      ...args.map(String),
    ],
    env: { SPARK_HOME: ctx.spark.install.sparkHome, SPARK_LOCAL_IP: '127.0.0.1' },
  };
}

/**
 * The same memory limit for both engines. Spark also lets each task hold
 * spark.shuffle.spill.initialMemoryThreshold (5 MiB) before it consults the memory
 * pool at all; lowered to 1 MiB so that the pool's limit decides, as tspark's budget does.
 */
function spillSettings(ctx: BenchContext): { tspark: string[]; spark: string[] } {
  const flags = [
    '--driver-memory',
    ctx.options.spillDriverMemory,
    '--conf',
    `spark.memory.fraction=${ctx.options.spillMemoryFraction}`,
  ];
  return { tspark: flags, spark: [...flags, '--conf', 'spark.shuffle.spill.initialMemoryThreshold=1m'] };
}

function inputMB(path: keyof Pick<BenchInputs, 'text' | 'sortRecords' | 'skewRecords'>) {
  return (ctx: BenchContext) => ({ amount: ctx.inputs.sizes[path] / MB, unit: 'MB/s' as const });
}

function wordCount(master: string, suites: Suite[]): Workload {
  return {
    id: `wordcount-${master}`,
    title: 'WordCount',
    mode: master,
    suites,
    answer: 'counts',
    inputs: { text: true },
    work: inputMB('text'),
    commands: (ctx) => ({
      tspark: tsparkSubmit(ctx, master, 'word-count.ts', [ctx.inputs.text, MIN_INPUT_PARTITIONS]),
      spark: sparkSubmit(ctx, master, 'WordCount', [ctx.inputs.text, MIN_INPUT_PARTITIONS]),
    }),
  };
}

function skewed(op: 'reduce' | 'group'): Workload {
  return {
    id: `${op}ByKey-skewed-local[2]`,
    title: `${op}ByKey, skewed keys, spilling`,
    mode: 'local[2]',
    suites: ['all', 'local', 'skew'],
    answer: op === 'reduce' ? 'counts' : 'groups',
    inputs: { skew: true },
    work: inputMB('skewRecords'),
    expect: (ctx) => ({ records: ctx.inputs.records }),
    spills: true,
    commands: (ctx) => {
      const memory = spillSettings(ctx);
      const args = [op, ctx.inputs.skewRecords, MIN_INPUT_PARTITIONS, SHUFFLE_PARTITIONS];
      return {
        tspark: tsparkSubmit(ctx, 'local[2]', 'skewed-aggregation.ts', args, memory.tspark),
        spark: sparkSubmit(ctx, 'local[2]', 'SkewedAggregation', args, memory.spark),
      };
    },
  };
}

/** Containers of the YARN workloads: the same for both engines. */
const PI_RESOURCES = [
  '--driver-memory',
  '512m',
  '--executor-memory',
  '512m',
  '--num-executors',
  '2',
  '--executor-cores',
  '1',
];
/**
 * WordCount reads 64 MiB blocks into executors: 1 GiB heaps, and 1 GiB overhead because
 * a Node process needs more beyond its heap than Spark's default (docs/yarn.md, "Memory").
 * Spark's executors get the same containers.
 */
const WORDCOUNT_HDFS_RESOURCES = [
  '--driver-memory',
  '512m',
  '--executor-memory',
  '1g',
  '--conf',
  'spark.executor.memoryOverhead=1g',
  '--num-executors',
  '2',
  '--executor-cores',
  '1',
];

/** The command lines of a yarn-cluster workload: tspark-submit and spark-submit, with Spark's jars pre-staged. */
function yarnClusterCommands(
  ctx: BenchContext,
  w: { tsparkEntry: string; sparkClass: string; args: (string | number)[]; resources: string[] },
): Partial<Record<Engine, Command>> {
  if (typeof ctx.yarn !== 'object') return {};
  const env = { HADOOP_CONF_DIR: ctx.yarn.hadoopConfDir };
  const cluster = ['--deploy-mode', 'cluster', ...w.resources];
  const spark = sparkSubmit(ctx, 'yarn', w.sparkClass, w.args, [
    ...cluster,
    '--conf',
    `spark.yarn.archive=hdfs://${sparkArchivePath(ctx.options.sparkVersion)}`,
    ...(ctx.javaHome
      ? [
          '--conf',
          `spark.yarn.appMasterEnv.JAVA_HOME=${ctx.javaHome}`,
          '--conf',
          `spark.executorEnv.JAVA_HOME=${ctx.javaHome}`,
        ]
      : []),
  ]);
  return {
    tspark: {
      command: ctx.node,
      args: [
        join(ctx.repoRoot, 'bin', 'tspark-submit.js'),
        '--master',
        'yarn',
        ...cluster,
        w.tsparkEntry,
        ...w.args.map(String),
      ],
      env,
    },
    ...(spark ? { spark: { ...spark, env: { ...spark.env, ...env } } } : {}),
  };
}

/** Cluster mode: the answer is on the driver's stdout, in the AM container's aggregated log. */
function driverAnswer(
  parse: (stdout: string) => Record<string, unknown> | undefined,
): NonNullable<Workload['answerFrom']> {
  return async (ctx, run) => {
    if (typeof ctx.yarn !== 'object') return undefined;
    const appId = findApplicationId(readFileSync(run.logFile, 'utf8'));
    if (!appId) return undefined;
    const stdout = amContainerLog(await applicationLogs(ctx.yarn, ctx.repoRoot, ctx.node, appId), 'stdout');
    return stdout === undefined ? undefined : parse(stdout);
  };
}

/** tspark's submission phases: the CLI's timeline and the driver's log in the AM. */
async function yarnPhases(ctx: BenchContext, run: FinishedRun): Promise<Record<string, number> | undefined> {
  if (typeof ctx.yarn !== 'object') return undefined;
  const cliLog = readFileSync(run.logFile, 'utf8');
  const appId = findApplicationId(cliLog);
  const logs = appId ? await applicationLogs(ctx.yarn, ctx.repoRoot, ctx.node, appId) : [];
  return submissionPhases(cliLog, amContainerLog(logs, 'stderr'), run.startedAtMs);
}

/**
 * Whether tspark on this build reads `hdfs:` files: WordCount over a tiny HDFS file
 * in local[1] (seconds, where the yarn-cluster run takes minutes). The reason when not.
 */
async function tsparkReadsHdfs(
  ctx: BenchContext,
  cluster: YarnCluster,
  log: (line: string) => void,
): Promise<string | undefined> {
  const path = ensureHdfsText(cluster, HDFS_PREFLIGHT.path, HDFS_PREFLIGHT.text);
  const url = hdfsUrl(cluster, path);
  const logFile = join(ctx.repoRoot, 'bench-results', 'hdfs-preflight.log');
  const cmd = tsparkSubmit(ctx, 'local[1]', 'word-count.ts', [url, 1]);
  const run = await runTimed(
    { ...cmd, env: { HADOOP_CONF_DIR: cluster.hadoopConfDir } },
    { cwd: ctx.repoRoot, logFile, timeoutMs: 120_000 },
  );
  const answer = run.exitCode === 0 ? parseResultLine(run.stdout) : undefined;
  if (answer && answer.distinct === HDFS_PREFLIGHT.distinct && answer.total === HDFS_PREFLIGHT.total) {
    log(`tspark reads hdfs: files on this build (preflight over ${url}: ok)`);
    return undefined;
  }
  const why =
    run.exitCode !== 0
      ? (run.stderrTail.split('\n').find((l) => /\bError\b|ERROR|error:/.test(l)) ??
        run.stderrTail.trim().split('\n').pop() ??
        '')
      : `its answer was ${JSON.stringify(answer)}`;
  return `tspark cannot read hdfs: files on this build (WordCount over ${url} in local[1] failed: ${why.trim().slice(0, 300)}; log ${logFile})`;
}

/** A tiny text on HDFS with a known answer: 3 distinct words, 5 in all. */
const HDFS_PREFLIGHT = {
  path: '/tspark-bench/preflight-v1.txt',
  text: 'b a b\nc  b\n',
  distinct: 3,
  total: 5,
};

export const WORKLOADS: readonly Workload[] = [
  wordCount('local[1]', ['all', 'local', 'wordcount']),
  wordCount('local[2]', ['all', 'local', 'wordcount']),
  {
    id: 'wordcount-floor',
    title: 'WordCount floor: one plain Node thread, no engine',
    mode: '1 thread',
    suites: ['all', 'local', 'wordcount'],
    answer: 'counts',
    inputs: { text: true },
    work: inputMB('text'),
    sameAnswerAs: 'wordcount-local[1]',
    commands: (ctx) => ({ tspark: { command: ctx.node, args: [ctx.floorScript, ctx.inputs.text] } }),
  },
  {
    id: 'sortByKey-local[2]',
    title: 'sortByKey, spilling',
    mode: 'local[2]',
    suites: ['all', 'local', 'sort'],
    answer: 'sorted',
    inputs: { sort: true },
    work: inputMB('sortRecords'),
    expect: (ctx) => ({ records: ctx.inputs.records }),
    spills: true,
    commands: (ctx) => {
      const memory = spillSettings(ctx);
      const args = [ctx.inputs.sortRecords, MIN_INPUT_PARTITIONS, SHUFFLE_PARTITIONS];
      return {
        tspark: tsparkSubmit(ctx, 'local[2]', 'sort-by-key.ts', args, memory.tspark),
        spark: sparkSubmit(ctx, 'local[2]', 'SortByKey', args, memory.spark),
      };
    },
  },
  skewed('reduce'),
  skewed('group'),
  {
    id: 'empty-tasks-local[2]',
    title: 'empty tasks (scheduler overhead)',
    mode: 'local[2]',
    suites: ['all', 'local', 'tasks'],
    answer: 'tasks',
    inputs: {},
    work: (ctx) => ({ amount: ctx.options.tasks, unit: 'tasks/s' }),
    expect: (ctx) => ({ tasks: ctx.options.tasks }),
    commands: (ctx) => ({
      tspark: tsparkSubmit(ctx, 'local[2]', 'empty-tasks.ts', [ctx.options.tasks]),
      spark: sparkSubmit(ctx, 'local[2]', 'EmptyTasks', [ctx.options.tasks]),
    }),
  },
  {
    id: 'spark-pi-local[2]',
    title: 'SparkPi 10 (start-up dominated)',
    mode: 'local[2]',
    suites: ['all', 'local', 'pi'],
    answer: 'pi',
    inputs: {},
    parse: parsePi,
    commands: (ctx) => ({
      tspark: {
        command: ctx.node,
        args: [
          join(ctx.repoRoot, 'bin', 'tspark-submit.js'),
          '--master',
          'local[2]',
          join(ctx.repoRoot, 'examples', 'spark-pi.ts'),
          '10',
        ],
      },
      spark: sparkSubmit(ctx, 'local[2]', 'SparkPi', [10]),
    }),
  },
  {
    id: 'spark-pi-yarn-cluster',
    title: 'SparkPi 10, CLI start to final state',
    mode: 'yarn-cluster',
    suites: ['all', 'yarn', 'pi'],
    answer: 'pi',
    inputs: {},
    unavailable: (ctx) => (typeof ctx.yarn === 'string' ? ctx.yarn : undefined),
    warmUp: true,
    prepare: (ctx, log) => {
      if (ctx.spark && typeof ctx.yarn === 'object') ensureSparkArchive(ctx.yarn, ctx.spark.install, log);
    },
    commands: (ctx) =>
      yarnClusterCommands(ctx, {
        tsparkEntry: join(ctx.repoRoot, 'examples', 'spark-pi.ts'),
        sparkClass: 'SparkPi',
        args: [10],
        resources: PI_RESOURCES,
      }),
    answerFrom: driverAnswer(parsePi),
    tsparkPhases: yarnPhases,
  },
  {
    id: 'wordcount-hdfs-yarn-cluster',
    title: 'WordCount on HDFS, 2 executors',
    mode: 'yarn-cluster',
    suites: ['all', 'yarn', 'wordcount'],
    answer: 'counts',
    inputs: { text: true },
    work: inputMB('text'),
    // the same text as the local runs: the same answer (checked when both are in the run)
    sameAnswerAs: 'wordcount-local[1]',
    unavailable: (ctx) => (typeof ctx.yarn === 'string' ? ctx.yarn : undefined),
    warmUp: true,
    prepare: async (ctx, log) => {
      if (typeof ctx.yarn !== 'object') return ctx.yarn;
      const cannot = await tsparkReadsHdfs(ctx, ctx.yarn, log);
      if (cannot) return cannot;
      if (ctx.spark) ensureSparkArchive(ctx.yarn, ctx.spark.install, log);
      ensureHdfsCopy(ctx.yarn, ctx.inputs.text, log);
      return undefined;
    },
    commands: (ctx) =>
      typeof ctx.yarn !== 'object'
        ? {}
        : yarnClusterCommands(ctx, {
            tsparkEntry: join(ctx.repoRoot, 'scripts', 'bench', 'apps', 'word-count.ts'),
            sparkClass: 'WordCount',
            args: [hdfsUrl(ctx.yarn, benchHdfsPath(ctx.inputs.text)), MIN_INPUT_PARTITIONS],
            resources: WORDCOUNT_HDFS_RESOURCES,
          }),
    answerFrom: driverAnswer(parseResultLine),
    tsparkPhases: yarnPhases,
  },
];

/** `Pi is roughly 3.14...` (printed by examples/spark-pi.ts and SparkPi.java alike). */
export function parsePi(stdout: string): Record<string, unknown> | undefined {
  const m = /Pi is roughly (-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?)/.exec(stdout);
  return m ? { pi: Number(m[1]) } : undefined;
}

export function parseAnswer(w: Workload, stdout: string): Record<string, unknown> | undefined {
  return (w.parse ?? parseResultLine)(stdout);
}

export function selectWorkloads(suite: Suite): Workload[] {
  return WORKLOADS.filter((w) => w.suites.includes(suite));
}
