import type { FetchFailure, RemoteError, TaskResult } from '../executor/task-result.js';
import type { TaskSpec } from '../rdd/spec.js';
import type { LocalityPreferences } from './backend.js';
import type { TaskSet } from './task-set.js';

/**
 * Schedules the tasks of one stage attempt (Spark's TaskSetManager): hands
 * out pending tasks on offers, preferring tasks whose cached input lives on
 * the offered executor, re-queues failed tasks, and gives up on the task set
 * when one task has failed `maxFailures` times.
 *
 * Locality (Spark's delay scheduling, with the process and node levels
 * sharing one wait): a task whose cached input lives on some executor, or
 * whose input block lives on a host where an executor runs, waits up to
 * `localityWaitMs` (spark.locality.wait) for a slot on that executor or
 * host; tasks with no preference run anywhere at once. After the wait without
 * a local launch, any task runs on any free slot. A task whose hosts have no
 * executor at all does not wait (Spark leaves NODE_LOCAL out of the valid
 * levels then).
 *
 * Pending lists use lazy deletion, as Spark's do: an index may sit in several
 * lists and is skipped once launched.
 */
export interface TaskSetCallbacks {
  taskSucceeded(tsm: TaskSetManager, partitionIndex: number, result: Extract<TaskResult, { ok: true }>, executorId: string): void;
  taskSetFailed(tsm: TaskSetManager, partitionIndex: number, failures: number, error: RemoteError): void;
  /** A task could not read a map output: this attempt is over (no more launches); the DAGScheduler reruns the map stage. */
  fetchFailed?(tsm: TaskSetManager, partitionIndex: number, failure: FetchFailure, error: RemoteError, executorId: string): void;
}

export class TaskSetManager {
  private readonly forExecutor = new Map<string, number[]>();
  private readonly forHost = new Map<string, number[]>();
  private readonly noPreference: number[] = [];
  private readonly anyTask: number[] = [];
  private readonly isPending: boolean[];
  private pendingCount = 0;
  private readonly running = new Map<number, { index: number; executorId: string }>();
  private readonly attempts: number[];
  private readonly failures: number[];
  private readonly successful: boolean[];
  private numSuccessful = 0;
  private lastLocalLaunch: number;
  /** No more tasks will be launched: finished or aborted. Results still arriving are ignored. */
  zombie = false;
  /** Given up (a task failed too often, or its job ended): dropped at once, running tasks are not waited for. */
  aborted = false;

  constructor(
    readonly taskSet: TaskSet,
    private readonly maxFailures: number,
    private readonly callbacks: TaskSetCallbacks,
    private readonly localityWaitMs = 0,
    private readonly clock: () => number = Date.now,
    /** Whether some executor runs on `host` (the TaskScheduler knows from its offers). */
    private readonly hostAlive: (host: string) => boolean = () => true,
  ) {
    const n = taskSet.tasks.length;
    this.attempts = new Array<number>(n).fill(0);
    this.failures = new Array<number>(n).fill(0);
    this.successful = new Array<boolean>(n).fill(false);
    this.isPending = new Array<boolean>(n).fill(false);
    this.lastLocalLaunch = clock();
    // pop() takes from the end: keep task 0 last in, first out
    for (let i = n - 1; i >= 0; i--) this.enqueue(i);
  }

  private enqueue(index: number): void {
    this.isPending[index] = true;
    this.pendingCount++;
    const task = this.taskSet.tasks[index]!;
    const hosts = task.preferredHosts ?? [];
    if (task.preferredExecutors.length === 0 && hosts.length === 0) this.noPreference.push(index);
    for (const e of task.preferredExecutors) pushTo(this.forExecutor, e, index);
    for (const h of hosts) pushTo(this.forHost, h, index);
    this.anyTask.push(index);
  }

  /** Whether a pending task could still run locally: it prefers an executor, or a host some executor runs on. */
  private localTaskPossible(): boolean {
    for (const list of this.forExecutor.values()) if (list.some((i) => this.isPending[i])) return true;
    for (const [host, list] of this.forHost) {
      if (this.hostAlive(host) && list.some((i) => this.isPending[i])) return true;
    }
    return false;
  }

  private take(list: number[] | undefined): number | undefined {
    while (list && list.length > 0) {
      const i = list.pop()!;
      if (this.isPending[i]) return i;
    }
    return undefined;
  }

  get runningCount(): number {
    return this.running.size;
  }

  get hasPending(): boolean {
    return !this.zombie && this.pendingCount > 0;
  }

  /**
   * Adds this task set's pending tasks to `acc`: each task preferring some host
   * (its input's block hosts, or the host of an executor caching its input,
   * via `executorHost`) counts once in numLocalityAwareTasks and once for each
   * of its hosts.
   */
  addPendingLocality(acc: LocalityPreferences, executorHost: (executorId: string) => string | undefined): void {
    if (!this.hasPending) return;
    const tasks = this.taskSet.tasks;
    for (let i = 0; i < tasks.length; i++) {
      if (!this.isPending[i]) continue;
      const task = tasks[i]!;
      const hosts = new Set(task.preferredHosts ?? []);
      for (const e of task.preferredExecutors) {
        const h = executorHost(e);
        if (h !== undefined) hosts.add(h);
      }
      if (hosts.size === 0) continue;
      acc.numLocalityAwareTasks++;
      for (const h of hosts) acc.hostToLocalTaskCount[h] = (acc.hostToLocalTaskCount[h] ?? 0) + 1;
    }
  }

  /** When a task held back for locality may run anywhere, if any is held back. */
  get localityDeadline(): number | undefined {
    return this.hasPending ? this.lastLocalLaunch + this.localityWaitMs : undefined;
  }

  /** The next task for a free slot on `executorId` (on `host`), or undefined (none left, or all wait for their executor or host). */
  resourceOffer(executorId: string, taskId: number, binaryId: number, host?: string): TaskSpec | undefined {
    if (!this.hasPending) return undefined;
    let index = this.take(this.forExecutor.get(executorId));
    if (index === undefined && host !== undefined) index = this.take(this.forHost.get(host));
    if (index !== undefined) this.lastLocalLaunch = this.clock();
    else index = this.take(this.noPreference);
    if (index === undefined && (this.clock() - this.lastLocalLaunch >= this.localityWaitMs || !this.localTaskPossible())) {
      index = this.take(this.anyTask);
    }
    if (index === undefined) return undefined;
    this.isPending[index] = false;
    this.pendingCount--;
    const attempt = this.attempts[index]!++;
    this.running.set(taskId, { index, executorId });
    return {
      taskId,
      stageId: this.taskSet.stageId,
      stageAttempt: this.taskSet.stageAttempt,
      attempt,
      partition: this.taskSet.tasks[index]!.partition,
      binaryId,
    };
  }

  handleResult(result: TaskResult): void {
    const info = this.running.get(result.taskId);
    if (!info) return;
    this.running.delete(result.taskId);
    const { index } = info;
    if (this.successful[index]) return;
    if (result.ok) {
      this.successful[index] = true;
      this.numSuccessful++;
      if (this.numSuccessful === this.taskSet.tasks.length) this.zombie = true;
      this.callbacks.taskSucceeded(this, this.taskSet.tasks[index]!.partition.index, result, info.executorId);
      return;
    }
    if (result.fetchFailed) {
      // not the task's fault and not counted against maxFailures: the whole attempt waits for the lost map outputs
      if (this.zombie) return;
      this.zombie = true;
      this.callbacks.fetchFailed?.(this, this.taskSet.tasks[index]!.partition.index, result.fetchFailed, result.error, info.executorId);
      return;
    }
    this.failed(index, result.error);
  }

  /** A task's executor died with it. */
  executorLost(executorId: string, reason: string): void {
    for (const [taskId, info] of [...this.running]) {
      if (info.executorId !== executorId) continue;
      this.running.delete(taskId);
      this.failed(info.index, { name: 'ExecutorLostFailure', message: `executor ${executorId} exited while running the task: ${reason}` });
    }
  }

  /** A task finished but its result, kept on its executor, could not be fetched: it runs again, as a lost executor's task does. */
  taskResultLost(taskId: number, reason: string): void {
    const info = this.running.get(taskId);
    if (!info) return;
    this.running.delete(taskId);
    if (this.successful[info.index]) return;
    this.failed(info.index, { name: 'TaskResultLost', message: `the result of task ${taskId} could not be fetched from executor ${info.executorId}: ${reason}` });
  }

  private failed(index: number, error: RemoteError): void {
    if (this.zombie) return;
    this.failures[index]!++;
    if (this.failures[index]! >= this.maxFailures) {
      this.abort();
      this.callbacks.taskSetFailed(this, this.taskSet.tasks[index]!.partition.index, this.failures[index]!, error);
      return;
    }
    this.enqueue(index);
  }

  abort(): void {
    this.zombie = true;
    this.aborted = true;
  }

  /** True when nothing of this task set is running or left to launch. */
  get isDone(): boolean {
    return this.aborted || (this.zombie && this.running.size === 0);
  }
}

function pushTo(lists: Map<string, number[]>, key: string, index: number): void {
  let list = lists.get(key);
  if (!list) lists.set(key, (list = []));
  list.push(index);
}
