import { mkdtemp, rm, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { serialize } from 'node:v8';
import { SparkConf } from '../conf/spark-conf.js';
import { Config } from '../conf/registry.js';
import { ConfigError } from '../errors.js';
import { silentLogger, type Logger } from '../log.js';
import { Accumulator } from './accumulator.js';
import { Broadcast } from './broadcast.js';
import { ContextCleaner } from './context-cleaner.js';
import { ExportRegistry, shipFunction, type Env, type ShippedFunction } from './closure/shipped-function.js';
import type { AccumulatorKind } from './executor/accumulator-updates.js';
import type { FileSystem } from './io/file-system.js';
import { installHadoopFileSystems, resolveHadoopFileSystemConf } from './io/hadoop-file-systems.js';
import { fileSystemFor } from './io/registry.js';
import { parseMaster, type MasterUrl } from './master-url.js';
import { userCallSite } from './util/call-site.js';
import { ParallelCollectionRDD, RangeRDD, UnionRDD, type RDD } from './rdd/rdd.js';
import type { RddContext } from './rdd/rdd-context.js';
import { objectFile, textFile, wholeTextFiles } from './rdd/sources.js';
import type { ResultOp } from './rdd/spec.js';
import type { SpecContext } from './rdd/spec-context.js';
import type { SchedulerBackend } from './scheduler/backend.js';
import { DAGScheduler, type JobListener } from './scheduler/dag-scheduler.js';
import { ContextStoppedError } from './scheduler/errors.js';
import { localClusterBackend } from './scheduler/cluster/local-cluster.js';
import { LocalBackend } from './scheduler/local/local-backend.js';
import { ConsoleProgressBar } from './scheduler/progress-bar.js';
import { TaskScheduler } from './scheduler/task-scheduler.js';

export interface SparkContextOptions {
  /** Master URL; overrides spark.master in conf. Default: conf's spark.master, else local[*]. */
  master?: string;
  /** Overrides spark.app.name in conf. */
  appName?: string;
  conf?: SparkConf | Record<string, string>;
  logger?: Logger;
  /** Injected clock (ms) for logs and durations. */
  clock?: () => number;
  /** Injected randomness for default seeds (sample, repartition, sortByKey). */
  random?: () => number;
  /**
   * Builds the scheduler backend for masters other than local (local-cluster,
   * yarn): the distributed backends plug in here, the engine talks to
   * executors only through the SchedulerBackend interface.
   */
  backendFactory?: (master: MasterUrl, conf: SparkConf, localDir: string) => SchedulerBackend;
  /** Console progress bar: default on when stderr is a terminal. */
  progress?: NodeJS.WriteStream | false;
  /**
   * Where HADOOP_CONF_DIR / YARN_CONF_DIR / HADOOP_USER_NAME are read (default
   * process.env): with an hdfs:// fs.defaultFS there, `hdfs:` works and bare paths
   * are on HDFS (docs/internals/io.md, "HDFS").
   */
  env?: Readonly<Record<string, string | undefined>>;
}

/**
 * The entry point of the engine: configuration, the scheduler for the master
 * URL, and the sources of RDDs. The platform builds one from the submit plan
 * and hands it to the application's main; scripts and tests may build one
 * directly. Construction is synchronous; executors start in the background
 * and the first job waits for them. Always `await sc.stop()`.
 */
export class SparkContext implements RddContext {
  readonly conf: SparkConf;
  readonly master: string;
  readonly appName: string;
  readonly appId: string;
  readonly startTime: number;
  /** Exported functions of loaded application bundles: shipped by reference. */
  readonly exports = new ExportRegistry();

  private readonly log: Logger;
  private readonly clock: () => number;
  private readonly random: () => number;
  private readonly parsedMaster: MasterUrl;
  private readonly dag: DAGScheduler;
  private backend: SchedulerBackend | undefined;
  private readonly started: Promise<void>;
  private localDir: string | undefined;
  private stopped = false;
  private stopping: Promise<void> | undefined;
  private nextRddId = 0;
  private nextShuffleId = 0;
  private nextBroadcastId = 0;
  private nextAccumulatorId = 0;
  private readonly accumulators = new Map<number, Accumulator<unknown, unknown>>();
  private readonly cacheLocs = new Map<number, Map<number, Set<string>>>();
  private readonly backendFactory: SparkContextOptions['backendFactory'];
  /** Deletes shuffle files and cached blocks nothing references any more (spark.cleaner.referenceTracking). */
  readonly cleaner: ContextCleaner;
  private readonly metricTotals = {
    tasks: 0,
    spillCount: 0,
    spillBytes: 0,
    shuffleRecordsWritten: 0,
    shuffleBytesWritten: 0,
    shuffleRecordsRead: 0,
    shuffleBytesRead: 0,
    shuffleRemoteBytesRead: 0,
    inputBytes: 0,
    inputRecords: 0,
    outputRecords: 0,
    outputBytes: 0,
    runMs: 0,
    gcMs: 0,
  };

  constructor(options: SparkContextOptions = {}) {
    const conf = options.conf instanceof SparkConf ? options.conf.clone() : new SparkConf(options.conf ?? {});
    if (options.master) conf.set('spark.master', options.master);
    if (options.appName) conf.set('spark.app.name', options.appName);
    conf.setIfMissing('spark.master', 'local[*]');
    if (!conf.has('spark.app.name')) {
      throw new ConfigError('NO_APP_NAME', 'An application name must be set: pass appName to new SparkContext({ appName }) or set spark.app.name.');
    }
    resolveHadoopFileSystemConf(conf, { env: options.env ?? process.env });
    installHadoopFileSystems();
    this.conf = conf;
    this.master = conf.get('spark.master')!;
    this.appName = conf.get('spark.app.name')!;
    this.parsedMaster = parseMaster(this.master);
    this.log = (options.logger ?? silentLogger()).child({ component: 'SparkContext' });
    this.clock = options.clock ?? Date.now;
    this.random = options.random ?? Math.random;
    this.backendFactory = options.backendFactory;
    this.startTime = this.clock();
    this.appId = conf.get('spark.app.id') ?? `local-${this.startTime}`;
    const root = options.logger ?? silentLogger();
    const listeners: JobListener[] = [];
    const progress = options.progress === undefined ? (process.stderr.isTTY ? process.stderr : false) : options.progress;
    if (progress) listeners.push(new ConsoleProgressBar(progress, this.clock, this.parsedMasterSlots()));
    this.dag = new DAGScheduler(
      {
        mergeAccumulators: (updates) => {
          for (const u of updates) this.accumulators.get(u.id)?.merge(u.value);
        },
        blocksCached: (executorId, blocks) => {
          for (const b of blocks) {
            let m = this.cacheLocs.get(b.rddId);
            if (!m) this.cacheLocs.set(b.rddId, (m = new Map()));
            let s = m.get(b.partition);
            if (!s) m.set(b.partition, (s = new Set()));
            s.add(executorId);
          }
        },
        cacheLocations: (rddId, partition) => [...(this.cacheLocs.get(rddId)?.get(partition) ?? [])],
        moduleUrls: () => this.exports.moduleUrls(),
        taskMetrics: (_stageId, m) => {
          const t = this.metricTotals;
          t.tasks++;
          t.spillCount += m.spillCount ?? 0;
          t.spillBytes += m.spillBytes ?? 0;
          t.shuffleRecordsWritten += m.recordsWritten ?? 0;
          t.shuffleBytesWritten += m.bytesWritten ?? 0;
          t.shuffleRecordsRead += m.recordsRead ?? 0;
          t.shuffleBytesRead += m.shuffleBytesRead ?? 0;
          t.shuffleRemoteBytesRead += m.shuffleRemoteBytesRead ?? 0;
          t.inputBytes += m.inputBytes ?? 0;
          t.inputRecords += m.inputRecords ?? 0;
          t.outputRecords += m.outputRecords ?? 0;
          t.outputBytes += m.outputBytes ?? 0;
          t.runMs += m.runMs;
          t.gcMs += m.gcMs ?? 0;
        },
        shuffleRegistered: (dep) => this.cleaner.registerShuffleForCleanup(dep, dep.shuffleId),
        now: this.clock,
      },
      root.child({ component: 'DAGScheduler' }),
      fanOut(listeners),
      { maxConsecutiveStageAttempts: conf.require(Config.STAGE_MAX_CONSECUTIVE_ATTEMPTS) },
    );
    this.cleaner = new ContextCleaner(
      {
        unregisterShuffle: (shuffleId) => this.dag.removeShuffle(shuffleId),
        removeShuffleFiles: async (shuffleId) => {
          await this.started.catch(() => undefined);
          await this.backend?.removeShuffle?.(shuffleId);
        },
        unpersistRdd: (rddId) => this.unpersistRdd(rddId),
      },
      { referenceTracking: conf.require(Config.CLEANER_REFERENCE_TRACKING), logger: root.child({ component: 'ContextCleaner' }) },
    );
    this.log.info({ appName: this.appName, master: this.master }, `Running tspark for application ${this.appName} (master ${this.master})`);
    this.started = this.start(root);
    // errors surface at the first job or at stop(); never as an unhandled rejection
    this.started.catch(() => undefined);
  }

  private parsedMasterSlots(): number {
    const m = this.parsedMaster;
    return m.kind === 'local' ? m.threads : m.kind === 'local-cluster' ? m.executors * m.coresPerExecutor : 1;
  }

  private async start(root: Logger): Promise<void> {
    const base = (this.conf.get('spark.local.dir') ?? '').split(',')[0]?.trim() || tmpdir();
    await mkdir(base, { recursive: true });
    this.localDir = await mkdtemp(join(base, `tspark-${this.appId}-`));
    const m = this.parsedMaster;
    let maxFailures: number;
    if (m.kind === 'local') {
      const heapBytes = this.conf.require(Config.DRIVER_MEMORY) * 1024 * 1024;
      const fraction = Number(this.conf.get('spark.memory.fraction') ?? '0.6');
      this.backend = new LocalBackend(
        {
          threads: m.threads,
          conf: this.conf.toObject(),
          localDir: this.localDir,
          taskMemoryBytes: Math.floor((heapBytes * fraction) / m.threads),
          storageMemoryBytes: Math.floor((heapBytes * fraction * 0.5) / m.threads),
        },
        root.child({ component: 'LocalBackend' }),
      );
      maxFailures = this.conf.has('spark.task.maxFailures') ? this.conf.require(Config.TASK_MAX_FAILURES) : m.maxFailures;
    } else {
      const factory = this.backendFactory ?? (m.kind === 'local-cluster' ? (mu: MasterUrl, c: SparkConf, dir: string) => localClusterBackend(mu, c, dir, root, this.appId) : undefined);
      if (!factory) {
        throw new ConfigError('MASTER_NOT_SUPPORTED', `Master '${this.master}' needs the cluster scheduler backend, which this build of the engine was not given. Use --master local[K] for now.`);
      }
      this.backend = factory(m, this.conf, this.localDir);
      this.backend.setCacheLocator?.((rddId, partition) => [...(this.cacheLocs.get(rddId)?.get(partition) ?? [])]);
      maxFailures = this.conf.require(Config.TASK_MAX_FAILURES);
    }
    const ts = new TaskScheduler(this.backend, maxFailures, this.dag, root.child({ component: 'TaskScheduler' }), this.conf.require(Config.LOCALITY_WAIT), this.clock);
    ts.setMaxResultBytes(this.conf.require(Config.DRIVER_MAX_RESULT_SIZE));
    this.dag.setTaskScheduler(ts);
    this.taskScheduler = ts;
    await this.backend.start(ts);
  }

  private taskScheduler: TaskScheduler | undefined;

  // ---- RddContext ----------------------------------------------------------

  get defaultParallelism(): number {
    const configured = this.conf.get('spark.default.parallelism');
    if (configured !== undefined) return this.conf.require(Config.DEFAULT_PARALLELISM);
    const m = this.parsedMaster;
    if (m.kind === 'local') return m.threads;
    if (m.kind === 'local-cluster') return Math.max(2, m.executors * m.coresPerExecutor);
    return this.backend?.defaultParallelism() ?? 2;
  }

  newRddId(): number {
    return this.nextRddId++;
  }

  newShuffleId(): number {
    return this.nextShuffleId++;
  }

  nextSeed(): number {
    return Math.floor(this.random() * 2 ** 31);
  }

  ship<F extends (...args: any[]) => unknown>(fn: F, env: Env | undefined, operation: string): ShippedFunction<F> {
    return shipFunction(fn, env, { operation, registry: this.exports });
  }

  fileSystem(path: string): FileSystem {
    return fileSystemFor(path, this.conf);
  }

  async runJob<R>(rdd: RDD<unknown>, op: (ctx: SpecContext) => ResultOp, options: { callSite: string; partitions?: number[] }): Promise<R[]> {
    this.assertRunning(options.callSite);
    const stack = new Error().stack; // before the first await: the user's frames are still on it
    await this.started;
    await resolveLineage(rdd);
    this.assertRunning(options.callSite);
    const partitions = options.partitions ?? rdd.partitions.map((p) => p.index);
    const site = userCallSite(stack);
    return this.dag.runJob<R>(rdd, op, partitions, site ? `${options.callSite} at ${site}` : options.callSite);
  }

  unpersistRdd(rddId: number): void {
    this.cacheLocs.delete(rddId);
    this.backend?.removeRdd(rddId);
  }

  rddPersisted(rdd: RDD<unknown>): void {
    this.cleaner.registerRddForCleanup(rdd, rdd.id);
  }

  // ---- sources -------------------------------------------------------------

  parallelize<T>(data: Iterable<T>, numSlices: number = this.defaultParallelism): RDD<T> {
    return new ParallelCollectionRDD<T>(this, Array.from(data), numSlices);
  }

  /** Numbers start, start+step, ... below end (above it for a negative step); `range(n)` is 0..n-1. */
  range(start: number, end?: number, step = 1, numSlices: number = this.defaultParallelism): RDD<number> {
    if (end === undefined) return new RangeRDD(this, 0, start, step, numSlices);
    return new RangeRDD(this, start, end, step, numSlices);
  }

  emptyRDD<T>(): RDD<T> {
    return new ParallelCollectionRDD<T>(this, [], 1).setName('emptyRDD');
  }

  /** Lines of text files (a file, a directory, a glob, or a comma-separated list); gzip files are read whole. */
  textFile(path: string, minPartitions: number = Math.min(this.defaultParallelism, 2)): RDD<string> {
    return textFile(this, path, minPartitions);
  }

  wholeTextFiles(path: string, minPartitions: number = Math.min(this.defaultParallelism, 2)): RDD<[string, string]> {
    return wholeTextFiles(this, path, minPartitions);
  }

  objectFile<T>(path: string): RDD<T> {
    return objectFile<T>(this, path);
  }

  union<T>(rdds: RDD<T>[]): RDD<T> {
    return new UnionRDD<T>(this, rdds);
  }

  broadcast<T>(value: T): Broadcast<T> {
    this.assertRunning('broadcast');
    const id = this.nextBroadcastId++;
    const bytes = serialize(value);
    const b = new Broadcast<T>(id, value, (bid, destroy) => this.backend?.removeBroadcast(bid, destroy));
    void this.started.then(() => this.backend!.registerBroadcast(id, bytes), () => undefined);
    return b;
  }

  longAccumulator(name?: string): Accumulator<number> {
    return this.accumulator<number, number>('long', name);
  }

  doubleAccumulator(name?: string): Accumulator<number> {
    return this.accumulator<number, number>('double', name);
  }

  collectionAccumulator<T>(name?: string): Accumulator<T[], T> {
    return this.accumulator<T[], T>('collection', name);
  }

  accumulator<T, In = T>(kind: AccumulatorKind, name?: string): Accumulator<T, In> {
    const acc = new Accumulator<T, In>(this.nextAccumulatorId++, kind, name);
    this.accumulators.set(acc.id, acc as Accumulator<unknown, unknown>);
    return acc;
  }

  /** Registers a loaded application module so its exported functions ship by reference. */
  registerModule(moduleUrl: string, namespace: Record<string, unknown>): void {
    this.exports.registerModule(moduleUrl, namespace);
  }

  get isStopped(): boolean {
    return this.stopped;
  }

  /** Totals over the successful tasks of this context: tasks run, their run and GC time, input and shuffle bytes and records, spills. */
  taskMetrics(): Readonly<SparkContext['metricTotals']> {
    return { ...this.metricTotals };
  }

  /** Internal structure sizes, for tests asserting that nothing leaks between jobs. */
  debugState(): Record<string, number> {
    return { ...this.dag.debugState(), ...(this.taskScheduler?.debugState() ?? {}) };
  }

  /** Stops executors, fails running jobs, deletes shuffle, spill and block files. Idempotent. */
  stop(): Promise<void> {
    if (!this.stopping) this.stopping = this.doStop();
    return this.stopping;
  }

  private async doStop(): Promise<void> {
    this.stopped = true;
    this.dag.stop();
    // deletions under way finish before the executors go (the rest goes with the directories)
    const cleaned = this.cleaner.stop();
    try {
      await this.started;
    } catch {
      // start failed: nothing more to stop than what it created
    }
    await cleaned;
    await this.backend?.stop();
    if (this.localDir) await rm(this.localDir, { recursive: true, force: true });
    this.log.info({ appName: this.appName }, 'Successfully stopped SparkContext');
  }

  private assertRunning(what: string): void {
    if (this.stopped) throw new ContextStoppedError(`Cannot run ${what}`);
  }
}

/** Resolves an RDD and all its ancestors (partitions, dependencies). */
async function resolveLineage(rdd: RDD<unknown>): Promise<void> {
  const seen = new Set<RDD<unknown>>();
  const visit = async (r: RDD<unknown>): Promise<void> => {
    if (seen.has(r)) return;
    seen.add(r);
    const { dependencies } = await r.resolve();
    for (const d of dependencies) await visit(d.rdd);
  };
  await visit(rdd);
}

function fanOut(listeners: JobListener[]): JobListener {
  return {
    onJobStart: (...a) => listeners.forEach((l) => l.onJobStart?.(...a)),
    onStageSubmitted: (...a) => listeners.forEach((l) => l.onStageSubmitted?.(...a)),
    onTaskEnd: (...a) => listeners.forEach((l) => l.onTaskEnd?.(...a)),
    onStageCompleted: (...a) => listeners.forEach((l) => l.onStageCompleted?.(...a)),
    onJobEnd: (...a) => listeners.forEach((l) => l.onJobEnd?.(...a)),
  };
}
