import type { TaskResult } from '../executor/task-result.js';

/**
 * The seam between the engine and where tasks run. The TaskScheduler never
 * knows whether executors are worker threads (local), processes reached over
 * the driver endpoint (local-cluster, YARN), or anything else: it answers
 * resource offers with task launches and receives status updates.
 */

export interface ExecutorOffer {
  executorId: string;
  /** Tasks this executor can accept now. */
  freeSlots: number;
  /** The executor's host, matched against tasks' preferred hosts (HDFS block replicas); absent in local mode. */
  host?: string;
}

export interface TaskLaunch {
  executorId: string;
  taskId: number;
  /** The stage binary: encoded once per stage attempt, sent to an executor the first time it runs a task of it. */
  binaryId: number;
  binary: Buffer;
  /** The encoded TaskSpec. */
  task: Buffer;
  broadcastIds: readonly number[];
}

/**
 * Where the pending tasks would like to run (Spark's numLocalityAwareTasks and
 * hostToLocalTaskCount): a resource manager asking for new executors places them
 * on these hosts in proportion. Plain data: it travels to a yarn-client AM.
 */
export interface LocalityPreferences {
  /** Pending tasks (not yet launched) that prefer at least one host. */
  numLocalityAwareTasks: number;
  /** Host -> pending tasks preferring it (a task preferring two hosts counts for both). */
  hostToLocalTaskCount: Record<string, number>;
}

export const NO_LOCALITY_PREFERENCES: LocalityPreferences = Object.freeze({
  numLocalityAwareTasks: 0,
  hostToLocalTaskCount: Object.freeze({}) as Record<string, number>,
});

/** Implemented by the TaskScheduler; called by backends. */
export interface SchedulerBackendClient {
  resourceOffers(offers: ExecutorOffer[]): TaskLaunch[];
  /** `resultBytes`: the serialized size of the result as it arrived, for spark.driver.maxResultSize. */
  statusUpdate(executorId: string, result: TaskResult, resultBytes?: number): void;
  /**
   * An executor died: its running tasks failed. `shuffleFilesLost`: its map
   * outputs went with it (a cluster executor's block server is gone); false for
   * a local worker thread, whose files stay on the shared disk.
   */
  executorLost(executorId: string, reason: string, options?: { shuffleFilesLost?: boolean }): void;
  /**
   * A task's result of `bytes` waits on its executor (an indirect result):
   * false when the driver does not want it (its task set is gone, or the bytes
   * break spark.driver.maxResultSize, which aborts the task set). A true answer
   * has counted the bytes; the result follows through statusUpdate without `resultBytes`.
   */
  canFetchResult?(taskId: number, bytes: number): boolean;
  /** The indirect result of a task could not be fetched (its executor is gone): the task runs again. */
  taskResultLost?(executorId: string, taskId: number, reason: string): void;
  /** The pending tasks' preferred hosts, for a resource manager placing new executors. */
  localityPreferences?(): LocalityPreferences;
}

export interface SchedulerBackend {
  start(client: SchedulerBackendClient): Promise<void>;
  /** Slots across executors: the default number of partitions. */
  defaultParallelism(): number;
  /** New tasks are waiting: make offers soon. */
  reviveOffers(): void;
  /** Bytes of a broadcast variable, sent to executors before the first task that needs it. */
  registerBroadcast(id: number, bytes: Buffer): void;
  /** Drops executor copies; `destroy` also forgets the bytes (unpersist keeps them to send again). */
  removeBroadcast(id: number, destroy: boolean): void;
  /** A stage attempt ended: executors may drop its binary. */
  releaseBinary(binaryId: number): void;
  /** Drops cached blocks of an RDD on every executor. */
  removeRdd(rddId: number): void;
  /**
   * How to learn which executors hold a cached RDD partition (the driver's
   * cache locations), for executors that fetch cached blocks from each other.
   */
  setCacheLocator?(locate: (rddId: number, partition: number) => readonly string[]): void;
  /**
   * Deletes the map output files of a shuffle no job needs any more, wherever
   * executors wrote them (the context cleaner). Resolves once it is done where
   * the backend can tell (local threads), or once executors were told.
   */
  removeShuffle?(shuffleId: number): Promise<void>;
  stop(): Promise<void>;
}
