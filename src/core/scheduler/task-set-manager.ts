import type { RemoteError, TaskResult } from '../executor/task-result.js';
import type { TaskSpec } from '../rdd/spec.js';
import type { TaskSet } from './task-set.js';

/**
 * Schedules the tasks of one stage attempt (Spark's TaskSetManager): hands
 * out pending tasks on offers, preferring tasks whose cached input lives on
 * the offered executor, re-queues failed tasks, and gives up on the task set
 * when one task has failed `maxFailures` times.
 *
 * Locality: tasks preferring the offered executor go first, then any task.
 * There is no delay scheduling (spark.locality.wait) yet: a task whose cached
 * input is elsewhere runs where a slot is free and recomputes that input.
 */
export interface TaskSetCallbacks {
  taskSucceeded(tsm: TaskSetManager, partitionIndex: number, result: Extract<TaskResult, { ok: true }>, executorId: string): void;
  taskSetFailed(tsm: TaskSetManager, partitionIndex: number, failures: number, error: RemoteError): void;
}

export class TaskSetManager {
  private readonly pending: number[] = [];
  private readonly running = new Map<number, { index: number; executorId: string }>();
  private readonly attempts: number[];
  private readonly failures: number[];
  private readonly successful: boolean[];
  private numSuccessful = 0;
  /** No more tasks will be launched: finished or aborted. Results still arriving are ignored. */
  zombie = false;
  /** Given up (a task failed too often, or its job ended): dropped at once, running tasks are not waited for. */
  aborted = false;

  constructor(
    readonly taskSet: TaskSet,
    private readonly maxFailures: number,
    private readonly callbacks: TaskSetCallbacks,
  ) {
    const n = taskSet.tasks.length;
    this.attempts = new Array<number>(n).fill(0);
    this.failures = new Array<number>(n).fill(0);
    this.successful = new Array<boolean>(n).fill(false);
    // pop() takes from the end: keep task 0 last in, first out
    for (let i = n - 1; i >= 0; i--) this.pending.push(i);
  }

  get runningCount(): number {
    return this.running.size;
  }

  get hasPending(): boolean {
    return !this.zombie && this.pending.length > 0;
  }

  /** The next task for a free slot on `executorId`, or undefined. */
  resourceOffer(executorId: string, taskId: number, binaryId: number): TaskSpec | undefined {
    if (this.zombie || this.pending.length === 0) return undefined;
    let pos = -1;
    // a task whose cached input is on this executor, looking at the next few only
    for (let i = this.pending.length - 1; i >= Math.max(0, this.pending.length - 64); i--) {
      if (this.taskSet.tasks[this.pending[i]!]!.preferredExecutors.includes(executorId)) {
        pos = i;
        break;
      }
    }
    const index = pos >= 0 ? this.pending.splice(pos, 1)[0]! : this.pending.pop()!;
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

  private failed(index: number, error: RemoteError): void {
    if (this.zombie) return;
    this.failures[index]!++;
    if (this.failures[index]! >= this.maxFailures) {
      this.abort();
      this.callbacks.taskSetFailed(this, this.taskSet.tasks[index]!.partition.index, this.failures[index]!, error);
      return;
    }
    this.pending.push(index);
  }

  abort(): void {
    this.zombie = true;
    this.aborted = true;
    this.pending.length = 0;
  }

  /** True when nothing of this task set is running or left to launch. */
  get isDone(): boolean {
    return this.aborted || (this.zombie && this.running.size === 0);
  }
}
