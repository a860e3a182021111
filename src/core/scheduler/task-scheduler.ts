import type { Logger } from '../../log.js';
import type { FetchFailure, TaskResult, RemoteError } from '../executor/task-result.js';
import { encodeTask } from './task-codec.js';
import type { ExecutorOffer, LocalityPreferences, SchedulerBackend, SchedulerBackendClient, TaskLaunch } from './backend.js';
import type { TaskSet } from './task-set.js';
import { TaskSetManager } from './task-set-manager.js';

/** What the TaskScheduler reports to the DAGScheduler. */
export interface TaskSchedulerListener {
  taskSucceeded(stageId: number, stageAttempt: number, partitionIndex: number, result: Extract<TaskResult, { ok: true }>, executorId: string): void;
  taskSetFailed(stageId: number, stageAttempt: number, partitionIndex: number, failures: number, error: RemoteError): void;
  /** A task of this stage attempt could not read a map output. */
  taskFetchFailed?(stageId: number, stageAttempt: number, partitionIndex: number, failure: FetchFailure, error: RemoteError): void;
  /** An executor is gone; with `shuffleFilesLost`, so are the map outputs it held. */
  executorLost?(executorId: string, reason: string, shuffleFilesLost: boolean): void;
}

/**
 * Spark's TaskSchedulerImpl: one TaskSetManager per stage attempt, offered
 * executor slots in priority order (FIFO by job, then stage).
 */
export class TaskScheduler implements SchedulerBackendClient {
  private readonly managers: TaskSetManager[] = [];
  private readonly taskIdToManager = new Map<number, TaskSetManager>();
  private nextTaskId = 0;

  constructor(
    private readonly backend: SchedulerBackend,
    private readonly maxFailures: number,
    private readonly listener: TaskSchedulerListener,
    private readonly log: Logger,
    /** spark.locality.wait: how long a task waits for the executor holding its cached input. */
    private readonly localityWaitMs = 0,
    private readonly clock: () => number = Date.now,
  ) {}

  private localityTimer: NodeJS.Timeout | undefined;
  /** spark.driver.maxResultSize in bytes; 0 = no limit. */
  private maxResultBytes = 0;
  /** Serialized bytes of the results each result-stage task set has brought back so far. */
  private readonly resultBytes = new WeakMap<TaskSetManager, { bytes: number; tasks: number }>();

  /** Sets spark.driver.maxResultSize: a result stage whose results add up to more is aborted. */
  setMaxResultBytes(bytes: number): void {
    this.maxResultBytes = bytes;
  }
  /** Host of every executor seen in an offer and not lost: the node level of locality. */
  private readonly executorHosts = new Map<string, string>();

  submitTasks(taskSet: TaskSet): void {
    const tsm = new TaskSetManager(taskSet, this.maxFailures, {
      taskSucceeded: (m, partitionIndex, result, executorId) => this.listener.taskSucceeded(m.taskSet.stageId, m.taskSet.stageAttempt, partitionIndex, result, executorId),
      taskSetFailed: (m, partitionIndex, failures, error) => this.listener.taskSetFailed(m.taskSet.stageId, m.taskSet.stageAttempt, partitionIndex, failures, error),
      fetchFailed: (m, partitionIndex, failure, error) => this.listener.taskFetchFailed?.(m.taskSet.stageId, m.taskSet.stageAttempt, partitionIndex, failure, error),
    }, this.localityWaitMs, this.clock, (host) => this.hostAlive(host));
    this.managers.push(tsm);
    this.managers.sort((a, b) => a.taskSet.priority - b.taskSet.priority);
    this.backend.reviveOffers();
  }

  /** Stops launching tasks of a stage (its job ended or failed); running ones finish unobserved. */
  cancelStage(stageId: number): void {
    for (const tsm of this.managers) if (tsm.taskSet.stageId === stageId) tsm.abort();
    this.prune();
  }

  resourceOffers(offers: ExecutorOffer[]): TaskLaunch[] {
    const launches: TaskLaunch[] = [];
    for (const o of offers) if (o.host !== undefined) this.executorHosts.set(o.executorId, o.host);
    const free = offers.map((o) => ({ ...o }));
    let launched = true;
    // round-robin over executors so tasks spread across them
    while (launched) {
      launched = false;
      for (const offer of free) {
        if (offer.freeSlots <= 0) continue;
        for (const tsm of this.managers) {
          if (!tsm.hasPending) continue;
          const taskId = this.nextTaskId++;
          const spec = tsm.resourceOffer(offer.executorId, taskId, tsm.taskSet.binaryId, offer.host);
          if (!spec) continue;
          let task: Buffer;
          try {
            task = encodeTask(spec);
          } catch (e) {
            // e.g. parallelize() data holding functions: the task cannot leave the driver
            tsm.abort();
            this.listener.taskSetFailed(tsm.taskSet.stageId, tsm.taskSet.stageAttempt, spec.partition.index, 1, {
              name: 'TaskNotSerializableError',
              message: `task ${spec.partition.index} of stage ${tsm.taskSet.stageId} cannot be sent to executors: ${(e as Error).message}. Records and partition data must be values node:v8 can serialize.`,
            });
            continue;
          }
          this.taskIdToManager.set(taskId, tsm);
          launches.push({
            executorId: offer.executorId,
            taskId,
            binaryId: tsm.taskSet.binaryId,
            binary: tsm.taskSet.binary,
            task,
            broadcastIds: tsm.taskSet.broadcastIds,
          });
          offer.freeSlots--;
          launched = true;
          break;
        }
      }
    }
    this.prune();
    this.scheduleLocalityRevive(free.some((o) => o.freeSlots > 0));
    return launches;
  }

  /** Pending tasks' preferred hosts (Spark's hostToLocalTaskCount), for placing new executors. */
  localityPreferences(): LocalityPreferences {
    const acc: LocalityPreferences = { numLocalityAwareTasks: 0, hostToLocalTaskCount: {} };
    for (const tsm of this.managers) tsm.addPendingLocality(acc, (id) => this.executorHosts.get(id));
    return acc;
  }

  private hostAlive(host: string): boolean {
    for (const h of this.executorHosts.values()) if (h === host) return true;
    return false;
  }

  /** Free slots were left while tasks wait for their executor: offer again when the wait ends. */
  private scheduleLocalityRevive(slotsLeft: boolean): void {
    if (!slotsLeft || this.localityTimer) return;
    const deadlines = this.managers.map((m) => m.localityDeadline).filter((d): d is number => d !== undefined);
    if (deadlines.length === 0) return;
    const delay = Math.max(0, Math.min(...deadlines) - this.clock());
    this.localityTimer = setTimeout(() => {
      this.localityTimer = undefined;
      this.backend.reviveOffers();
    }, delay + 1);
    this.localityTimer.unref();
  }

  statusUpdate(_executorId: string, result: TaskResult, resultBytes?: number): void {
    const tsm = this.taskIdToManager.get(result.taskId);
    if (!tsm) return;
    this.taskIdToManager.delete(result.taskId);
    if (result.ok && result.mapOutput === undefined && resultBytes !== undefined && this.exceedsMaxResultSize(tsm, resultBytes)) {
      this.prune();
      return;
    }
    if (!result.ok && !tsm.zombie) {
      this.log.warn({ stageId: tsm.taskSet.stageId, taskId: result.taskId, error: result.error.message }, `Lost task ${result.taskId} in stage ${tsm.taskSet.stageId}: ${result.error.name}: ${result.error.message}`);
    }
    tsm.handleResult(result);
    this.prune();
    if (this.managers.some((m) => m.hasPending)) this.backend.reviveOffers();
  }

  canFetchResult(taskId: number, bytes: number): boolean {
    const tsm = this.taskIdToManager.get(taskId);
    if (!tsm) return false;
    // as in Spark, only result tasks' results count against spark.driver.maxResultSize
    if (tsm.taskSet.shuffleMap !== true && this.exceedsMaxResultSize(tsm, bytes)) {
      this.taskIdToManager.delete(taskId);
      this.prune();
      return false;
    }
    return true;
  }

  taskResultLost(_executorId: string, taskId: number, reason: string): void {
    const tsm = this.taskIdToManager.get(taskId);
    if (!tsm) return;
    this.taskIdToManager.delete(taskId);
    tsm.taskResultLost(taskId, reason);
    this.prune();
    this.backend.reviveOffers();
  }

  /** Spark's canFetchMoreResults: counts a result task's bytes; past the limit aborts its task set (true). */
  private exceedsMaxResultSize(tsm: TaskSetManager, bytes: number): boolean {
    if (this.maxResultBytes <= 0 || tsm.zombie) return false;
    const total = this.resultBytes.get(tsm) ?? { bytes: 0, tasks: 0 };
    total.bytes += bytes;
    total.tasks++;
    this.resultBytes.set(tsm, total);
    if (total.bytes <= this.maxResultBytes) return false;
    const message =
      `Total size of serialized results of ${total.tasks} task${total.tasks === 1 ? '' : 's'} (${formatBytes(total.bytes)}) is bigger than ` +
      `spark.driver.maxResultSize (${formatBytes(this.maxResultBytes)}): bring less back to the driver (take, or aggregate on the ` +
      'executors, or write the data with saveAsTextFile), or raise spark.driver.maxResultSize (0 = no limit)';
    this.log.error({ stageId: tsm.taskSet.stageId, resultBytes: total.bytes, maxResultBytes: this.maxResultBytes }, message);
    tsm.abort();
    this.listener.taskSetFailed(tsm.taskSet.stageId, tsm.taskSet.stageAttempt, tsm.taskSet.tasks[0]?.partition.index ?? 0, 1, {
      name: 'MaxResultSizeExceeded',
      message,
    });
    return true;
  }

  executorLost(executorId: string, reason: string, options: { shuffleFilesLost?: boolean } = {}): void {
    this.executorHosts.delete(executorId);
    for (const tsm of [...this.managers]) tsm.executorLost(executorId, reason);
    this.prune();
    this.listener.executorLost?.(executorId, reason, options.shuffleFilesLost === true);
    this.backend.reviveOffers();
  }

  private prune(): void {
    for (let i = this.managers.length - 1; i >= 0; i--) {
      const tsm = this.managers[i]!;
      if (tsm.isDone) {
        this.managers.splice(i, 1);
        if (tsm.runningCount > 0) {
          // an aborted task set: results of its still-running tasks will be ignored
          for (const [taskId, m] of this.taskIdToManager) if (m === tsm) this.taskIdToManager.delete(taskId);
        }
        this.backend.releaseBinary(tsm.taskSet.binaryId);
      }
    }
    if (this.managers.length === 0) this.taskIdToManager.clear();
  }

  /** Sizes of internal structures, for tests asserting nothing leaks between jobs. */
  debugState(): Record<string, number> {
    return { taskSetManagers: this.managers.length, runningTasks: this.taskIdToManager.size };
  }
}

function formatBytes(n: number): string {
  if (n >= 1024 ** 3) return `${(n / 1024 ** 3).toFixed(1)} GiB`;
  if (n >= 1024 ** 2) return `${(n / 1024 ** 2).toFixed(1)} MiB`;
  if (n >= 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${n} bytes`;
}
