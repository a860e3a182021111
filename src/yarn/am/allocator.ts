import { ExitCode, TsparkError, isTsparkError } from '../../errors.js';
import type { Logger } from '../../log.js';
import { RemoteErrorCode } from '../../hadoop/ipc/remote-errors.js';
import { formatContainerId, formatNodeId, type ContainerId } from '../../hadoop/ipc/protocols/yarn-ids.js';
import {
  RESOURCE_NAME_ANY,
  type AllocateResponse,
  type Container,
  type ContainerStatus,
  type Resource,
  type ResourceRequest,
} from '../../hadoop/ipc/protocols/yarn-records.js';
import { describeContainerExit, type ExecutorExit } from './container-exit.js';
import type { NmTokenCache } from './nm-tokens.js';
import type { AllocateCall } from './rm-session.js';

/**
 * Keeps the number of executor containers at the target (Spark's
 * YarnAllocator), one allocate heartbeat at a time.
 *
 * Invariants, checked by the unit tests:
 * - `outstanding` is what the RM holds for our (priority, '*') row: we send
 *   the row as an absolute total only when the number we want changes (or
 *   after a resync), and decrement it for every container the RM gives us,
 *   as the RM decrements its own copy.
 * - wanted = max(0, target - executors) where executors counts containers
 *   launching or running; a container that arrives when wanted is already
 *   satisfied (or after stop()) is released at once.
 * - Containers we released never count as executor exits; their completion
 *   only clears them from `releasing`. Releases are re-sent after a resync.
 * - Exit status 0: the executor finished, it is not replaced (target - 1).
 *   A failure (non-zero exit, memory kill, failed launch) is counted and
 *   replaced; a loss that is YARN's doing (node lost, preemption) is
 *   replaced without counting. At `maxExecutorFailures` counted failures
 *   the allocator reports the limit; the AM then fails the application.
 */

/** One priority for executors: the RM keys asks by priority, so one shape per priority. */
export const EXECUTOR_PRIORITY = 1;
/** Spark's spark.yarn.scheduler.initial-allocation.interval: fast heartbeats while containers are pending. */
export const INITIAL_ALLOCATION_INTERVAL_MS = 200;
/** How long to wait for a NodeManager to serve a failed container's stderr. */
export const STDERR_TAIL_TIMEOUT_MS = 3_000;

export type ExecutorState = 'LAUNCHING' | 'RUNNING';

export interface ExecutorRecord {
  executorId: string;
  container: Container;
  state: ExecutorState;
}

export interface ExecutorFailure {
  executorId: string;
  containerId: string;
  node: string;
  reason: string;
}

export interface ExecutorExitEvent extends ExecutorExit {
  executorId: string;
  containerId: string;
  node: string;
  /** Whether a new container is asked for in its place. */
  replaced: boolean;
}

/** Starts (and stops) executor containers on their NodeManagers. */
export interface ExecutorLauncher {
  launch(container: Container, executorId: string): Promise<void>;
  stop(containers: readonly Container[]): Promise<void>;
}

export interface AllocatorRm {
  allocate(call: AllocateCall): Promise<AllocateResponse>;
  reRegister(): Promise<unknown>;
}

export interface AllocatorOptions {
  rm: AllocatorRm;
  launcher: ExecutorLauncher;
  nmTokens: NmTokenCache;
  targetExecutors: number;
  /** memory = executor memory + overhead, vcores = spark.executor.cores. */
  resource: Resource;
  maxExecutorFailures: number;
  /** spark.yarn.scheduler.heartbeat.interval-ms */
  heartbeatIntervalMs: number;
  logger: Logger;
  /** The last lines of a failed container's stderr, when reachable. */
  stderrTail?: (container: Container) => Promise<string | undefined>;
  onExecutorExit?: (event: ExecutorExitEvent) => void;
  /**
   * The first executor id (default 1). yarn-client: the driver outlives AM
   * attempts and refuses an id it has seen, so each attempt starts higher.
   */
  firstExecutorId?: number;
}

/** The RM no longer knows this attempt (AM_SHUTDOWN, ApplicationAttemptNotFoundException). */
export class AttemptShutdownError extends TsparkError {
  constructor(message: string, cause?: unknown) {
    super('AM_SHUTDOWN_BY_RM', message, { exitCode: ExitCode.REMOTE, cause });
  }
}

export class YarnAllocator {
  private target: number;
  private outstanding = 0;
  private askDirty = true;
  private stopping = false;
  private readonly executors = new Map<string, ExecutorRecord>();
  private readonly releasing = new Map<string, ContainerId>();
  private pendingRelease: ContainerId[] = [];
  private readonly failures: ExecutorFailure[] = [];
  private readonly launches = new Set<Promise<void>>();
  private nextExecutorId = 1;
  private consecutivePending = 0;
  private allocatedTotal = 0;
  private readonly log: Logger;

  constructor(private readonly options: AllocatorOptions) {
    this.target = options.targetExecutors;
    this.nextExecutorId = options.firstExecutorId ?? 1;
    this.log = options.logger.child({ component: 'allocator' });
  }

  /** Containers launching or running. */
  get numExecutors(): number {
    return this.executors.size;
  }

  get numRunning(): number {
    let n = 0;
    for (const e of this.executors.values()) if (e.state === 'RUNNING') n++;
    return n;
  }

  /** Containers the RM still owes us. */
  get numPending(): number {
    return this.outstanding;
  }

  get targetExecutors(): number {
    return this.target;
  }

  /** Containers the RM gave us so far (launched or released). */
  get numAllocated(): number {
    return this.allocatedTotal;
  }

  get numReleasing(): number {
    return this.releasing.size;
  }

  get executorFailures(): readonly ExecutorFailure[] {
    return this.failures;
  }

  get failureLimitReached(): boolean {
    return this.failures.length >= this.options.maxExecutorFailures;
  }

  executorsSnapshot(): ExecutorRecord[] {
    return [...this.executors.values()];
  }

  /** Diagnostics naming the failed executors, for finishApplicationMaster. */
  failureDiagnostics(limit = 5): string {
    const shown = this.failures
      .slice(-limit)
      .map((f) => `executor ${f.executorId} (${f.containerId} on ${f.node}) ${f.reason}`);
    const more = this.failures.length > limit ? ` (the last ${limit} of ${this.failures.length} shown)` : '';
    return (
      `Max number of executor failures (${this.options.maxExecutorFailures}) reached (spark.yarn.max.executor.failures)${more}:\n` +
      shown.map((s) => `  - ${s}`).join('\n')
    );
  }

  private wanted(): number {
    return this.stopping || this.failureLimitReached ? 0 : Math.max(0, this.target - this.executors.size);
  }

  /** Asks nothing more; containers that still arrive are released. */
  stop(): void {
    if (!this.stopping) {
      this.stopping = true;
      this.askDirty = true;
    }
  }

  /**
   * How long to wait before the next heartbeat: Spark's initial allocation
   * interval, doubling, while containers are pending, launching or (when
   * stopping) still running; the configured interval otherwise.
   */
  nextHeartbeatDelayMs(): number {
    const busy =
      this.outstanding > 0 ||
      this.wanted() > 0 ||
      [...this.executors.values()].some((e) => e.state === 'LAUNCHING') ||
      (this.stopping && this.executors.size > 0);
    if (!busy) {
      this.consecutivePending = 0;
      return this.options.heartbeatIntervalMs;
    }
    const delay = INITIAL_ALLOCATION_INTERVAL_MS * 2 ** Math.min(this.consecutivePending, 10);
    this.consecutivePending++;
    return Math.min(delay, this.options.heartbeatIntervalMs);
  }

  /** One allocate heartbeat: send changed asks and releases, then act on the response. */
  async allocateResources(progress: number): Promise<AllocateResponse> {
    for (let resyncs = 0; ; resyncs++) {
      const wanted = this.wanted();
      const sendAsk = this.askDirty || wanted !== this.outstanding;
      const ask: ResourceRequest[] = sendAsk ? [this.anyRow(wanted)] : [];
      const release = this.pendingRelease;
      let response: AllocateResponse;
      try {
        response = await this.options.rm.allocate({ progress: clamp01(progress), ask, release });
      } catch (e) {
        if (isTsparkError(e) && e.code === RemoteErrorCode.AM_NOT_REGISTERED && resyncs === 0) {
          await this.resync();
          continue;
        }
        if (isTsparkError(e) && e.code === RemoteErrorCode.ATTEMPT_NOT_FOUND) {
          throw new AttemptShutdownError(`the ResourceManager no longer knows this attempt: ${e.message}`, e);
        }
        throw e;
      }
      if (sendAsk) {
        this.outstanding = wanted;
        this.askDirty = false;
        this.log.info(
          {
            executors: this.executors.size,
            target: this.target,
            asking: wanted,
            memoryMb: this.options.resource.memoryMb,
            vcores: this.options.resource.vcores,
          },
          'Asking the ResourceManager for executor containers',
        );
      }
      this.pendingRelease = [];
      if (response.amCommand === 'SHUTDOWN') {
        throw new AttemptShutdownError(
          'the ResourceManager ordered this ApplicationMaster to shut down (AM_SHUTDOWN)',
        );
      }
      if (response.amCommand === 'RESYNC' && resyncs === 0) {
        await this.resync();
        continue;
      }
      this.options.nmTokens.update(response.nmTokens);
      this.handleAllocated(response.allocatedContainers);
      await this.handleCompleted(response.completedContainerStatuses);
      return response;
    }
  }

  /** Registration was lost: register again, and resend the whole ask table and pending releases. */
  private async resync(): Promise<void> {
    this.log.warn(
      'The ResourceManager lost this attempt (resync): registering again and resending all requests',
    );
    await this.options.rm.reRegister();
    this.askDirty = true;
    this.pendingRelease = [...this.releasing.values()];
  }

  private anyRow(numContainers: number): ResourceRequest {
    return {
      priority: EXECUTOR_PRIORITY,
      resourceName: RESOURCE_NAME_ANY,
      capability: { memoryMb: this.options.resource.memoryMb, vcores: this.options.resource.vcores },
      numContainers,
      relaxLocality: true,
    };
  }

  private release(container: Container, why: string): void {
    const id = formatContainerId(container.id);
    this.releasing.set(id, container.id);
    this.pendingRelease.push(container.id);
    this.log.info({ containerId: id, node: formatNodeId(container.nodeId) }, `Releasing container: ${why}`);
  }

  private handleAllocated(containers: readonly Container[]): void {
    for (const container of containers) {
      this.allocatedTotal++;
      if (container.priority !== EXECUTOR_PRIORITY) {
        this.release(container, `unexpected priority ${container.priority}`);
        continue;
      }
      this.outstanding = Math.max(0, this.outstanding - 1);
      if (this.stopping || this.executors.size >= this.target) {
        this.release(
          container,
          this.stopping ? 'the application is finishing' : 'surplus (enough executors already)',
        );
        continue;
      }
      this.launch(container);
    }
  }

  private launch(container: Container): void {
    const executorId = String(this.nextExecutorId++);
    const containerId = formatContainerId(container.id);
    const record: ExecutorRecord = { executorId, container, state: 'LAUNCHING' };
    this.executors.set(containerId, record);
    const node = formatNodeId(container.nodeId);
    this.log.info(
      { executorId, containerId, node, memoryMb: container.resource?.memoryMb },
      'Launching executor',
    );
    const launch = this.options.launcher
      .launch(container, executorId)
      .then(
        () => {
          if (this.executors.get(containerId) === record) record.state = 'RUNNING';
        },
        (e: unknown) => {
          // Still ours: count the failure, give the container back, ask for another.
          if (this.executors.get(containerId) !== record) return;
          this.executors.delete(containerId);
          const reason = `could not be started: ${(e as Error).message}`;
          this.recordExit({ kind: 'failed', exitStatus: -1, reason }, record, node);
          this.release(container, 'its launch failed');
        },
      )
      .finally(() => this.launches.delete(launch));
    this.launches.add(launch);
  }

  /** Resolves when every launch started so far has succeeded or failed (tests, shutdown). */
  async settled(): Promise<void> {
    while (this.launches.size > 0) await Promise.all([...this.launches]);
  }

  private async handleCompleted(statuses: readonly ContainerStatus[]): Promise<void> {
    for (const status of statuses) {
      const containerId = formatContainerId(status.containerId);
      if (this.releasing.delete(containerId)) continue;
      const record = this.executors.get(containerId);
      if (!record) {
        this.log.debug(
          { containerId, exitStatus: status.exitStatus },
          'Completion of a container that is not ours',
        );
        continue;
      }
      this.executors.delete(containerId);
      const node = formatNodeId(record.container.nodeId);
      const memoryMiB = record.container.resource?.memoryMb;
      let exit = describeContainerExit({ status, memoryMiB });
      if (exit.kind === 'failed' && status.exitStatus > 0 && this.options.stderrTail) {
        const stderrTail = await this.options.stderrTail(record.container).catch(() => undefined);
        if (stderrTail) exit = describeContainerExit({ status, memoryMiB, stderrTail });
      }
      this.recordExit(exit, record, node);
    }
  }

  private recordExit(exit: ExecutorExit, record: ExecutorRecord, node: string): void {
    const containerId = formatContainerId(record.container.id);
    let replaced = false;
    if (exit.kind === 'finished') {
      this.target = Math.max(0, this.target - 1);
      this.log.info(
        { executorId: record.executorId, containerId, node },
        'Executor finished (exit status 0); not replaced',
      );
    } else {
      if (exit.kind === 'failed') {
        this.failures.push({ executorId: record.executorId, containerId, node, reason: exit.reason });
      }
      replaced = !this.stopping && !this.failureLimitReached;
      this.log.warn(
        {
          executorId: record.executorId,
          containerId,
          node,
          exitStatus: exit.exitStatus,
          counted: exit.kind === 'failed',
          failures: this.failures.length,
          replaced,
        },
        `Executor ${record.executorId} lost: ${exit.reason}`,
      );
    }
    this.options.onExecutorExit?.({ ...exit, executorId: record.executorId, containerId, node, replaced });
  }
}

function clamp01(x: number): number {
  return Number.isFinite(x) ? Math.min(1, Math.max(0, x)) : 0;
}
