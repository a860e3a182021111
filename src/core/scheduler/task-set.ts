import type { Partition } from '../rdd/spec.js';

/** The missing tasks of one stage attempt, as the DAGScheduler hands them to the TaskScheduler. */
export interface TaskSet {
  stageId: number;
  stageAttempt: number;
  /** Lower runs first (Spark's FIFO: earlier jobs first, then earlier stages). */
  priority: number;
  binaryId: number;
  binary: Buffer;
  broadcastIds: readonly number[];
  tasks: PendingTask[];
  /** A shuffle map stage's tasks: their results are map statuses, not counted against spark.driver.maxResultSize. */
  shuffleMap?: boolean;
}

export interface PendingTask {
  partition: Partition;
  /** Executors holding cached input of this task, tried first. */
  preferredExecutors: readonly string[];
  /** Hosts holding the task's input (HDFS block replicas): executors on them are tried next. */
  preferredHosts?: readonly string[];
}
