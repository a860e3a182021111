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
import { NO_LOCALITY_PREFERENCES, type LocalityPreferences } from '../../core/scheduler/backend.js';
import { describeContainerExit, type ExecutorExit } from './container-exit.js';
import { countByHost, placeNewContainers } from './container-placement.js';
import type { NmTokenCache } from './nm-tokens.js';
import type { AllocateCall } from './rm-session.js';

/**
 * Keeps the number of executor containers at the target (Spark's
 * YarnAllocator), one allocate heartbeat at a time.
 *
 * Invariants, checked by the unit tests:
 * - `requests` are the containers we still want from the RM, each with the
 *   host it is wanted on (or none). From them follow the rows of our ask
 *   table: '*' = all of them, a node row per host, a rack row per rack of
 *   those hosts (every node-level row needs its rack's, as the RM
 *   decrements both). `rmRows` is our copy of what the RM holds: rows are
 *   sent as absolute totals only when they differ from it (or after a
 *   resync), and it is decremented for every container the RM gives us, as
 *   the RM decrements its own (node + rack + '*' for a container on a host
 *   we asked for, rack + '*' in an asked-for rack, else '*'). Re-sending an
 *   unchanged '*' while allocations are in flight would over-ask.
 * - New requests (at start, replacements, any growth) are placed on the
 *   hosts the driver's pending tasks prefer, in proportion
 *   (container-placement.ts); outstanding ones are never re-placed.
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

/** The rack of a host the RM told us nothing about (Hadoop's default for unresolved hosts). */
export const DEFAULT_RACK = '/default-rack';

export type ExecutorState = 'LAUNCHING' | 'RUNNING';

export interface ExecutorRecord {
  executorId: string;
  container: Container;
  state: ExecutorState;
  /** The host this container was asked for, when it matched a node-level request. */
  requestedHost?: string;
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
  /**
   * Where the driver's pending tasks would like to run, read whenever new
   * containers are asked for (cluster mode: the driver in this process;
   * client mode: the latest the driver sent).
   */
  localityPreferences?: () => LocalityPreferences;
  /** Tasks one executor runs at once (spark.executor.cores / spark.task.cpus); default resource.vcores. */
  tasksPerExecutor?: number;
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
  /** Containers still wanted from the RM: the host each is wanted on, or undefined (anywhere). */
  private requests: Array<string | undefined> = [];
  /** Our copy of the RM's ask table at EXECUTOR_PRIORITY: resource name -> containers. */
  private readonly rmRows = new Map<string, number>();
  /** Racks the RM reported (updatedNodes); other hosts are in DEFAULT_RACK. */
  private readonly racks = new Map<string, string>();
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
    return this.requests.length;
  }

  /** Outstanding requests per host (node-level rows), for the status page and tests. */
  get pendingByHost(): Record<string, number> {
    return countByHost(this.requests);
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
   * interval, doubling, while containers are pending or launching; that
   * interval without doubling while stopping executors still run (their exits
   * are due now, and a doubled wait of up to 3 s would hold the application's
   * end); the configured interval otherwise.
   */
  nextHeartbeatDelayMs(): number {
    if (this.stopping && this.executors.size > 0) return INITIAL_ALLOCATION_INTERVAL_MS;
    const busy =
      this.requests.length > 0 ||
      this.wanted() > 0 ||
      [...this.executors.values()].some((e) => e.state === 'LAUNCHING');
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
      this.resizeRequests(this.wanted());
      const changed = this.changedRows();
      const ask: ResourceRequest[] = changed.map(([name, n]) => this.row(name, n));
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
      if (ask.length > 0) {
        for (const [name, n] of changed) this.rmRows.set(name, n);
        this.askDirty = false;
        const rows = Object.fromEntries(changed);
        this.log.info(
          {
            executors: this.executors.size,
            target: this.target,
            asking: this.requests.length,
            hosts: this.pendingByHost,
            rows,
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
      for (const node of response.updatedNodes) {
        if (node.rackName) this.racks.set(node.nodeId.host, node.rackName);
      }
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
    // the RM starts from an empty table: every row we want is sent again
    this.rmRows.clear();
    this.askDirty = true;
    this.pendingRelease = [...this.releasing.values()];
  }

  private rackOf(host: string): string {
    return this.racks.get(host) ?? DEFAULT_RACK;
  }

  /**
   * Grows or shrinks the outstanding requests to `wanted`. New ones are
   * placed near the driver's pending tasks; when fewer are wanted, those
   * asked for anywhere go first.
   */
  private resizeRequests(wanted: number): void {
    const have = this.requests.length;
    if (wanted > have) {
      let preferences = NO_LOCALITY_PREFERENCES;
      try {
        preferences = this.options.localityPreferences?.() ?? NO_LOCALITY_PREFERENCES;
      } catch (e) {
        this.log.warn({ err: (e as Error).message }, 'Could not read the pending tasks\' locality; asking anywhere');
      }
      const placed = placeNewContainers(
        wanted - have,
        preferences,
        this.options.tasksPerExecutor ?? this.options.resource.vcores,
      );
      this.requests.push(...placed);
      const hosts = countByHost(placed);
      if (Object.keys(hosts).length > 0) {
        this.log.info(
          { hosts, localityAwareTasks: preferences.numLocalityAwareTasks, newContainers: placed.length },
          `Asking for ${placed.length} new executor container(s) near pending tasks: ` +
            Object.entries(hosts)
              .map(([h, n]) => `${n} on ${h}`)
              .join(', '),
        );
      }
    } else if (wanted < have) {
      let drop = have - wanted;
      const anywhere = this.requests.filter((h) => h === undefined).length;
      const dropAnywhere = Math.min(drop, anywhere);
      let skipped = 0;
      // keep the node-level requests, and the first (anywhere - dropAnywhere) anywhere ones
      this.requests = this.requests.filter((h) => h !== undefined || skipped++ < anywhere - dropAnywhere);
      drop -= dropAnywhere;
      if (drop > 0) this.requests.splice(this.requests.length - drop, drop);
    }
  }

  /** The rows our requests add up to: '*', one per host, one per rack of those hosts. */
  private wantedRows(): Map<string, number> {
    const rows = new Map<string, number>([[RESOURCE_NAME_ANY, this.requests.length]]);
    for (const host of this.requests) {
      if (host === undefined) continue;
      rows.set(host, (rows.get(host) ?? 0) + 1);
      const rack = this.rackOf(host);
      rows.set(rack, (rows.get(rack) ?? 0) + 1);
    }
    return rows;
  }

  /** Rows whose total differs from the RM's copy ('*' always after a resync or stop()); '*' first. */
  private changedRows(): Array<[string, number]> {
    const wanted = this.wantedRows();
    const names = new Set([...wanted.keys(), ...this.rmRows.keys()]);
    const changed: Array<[string, number]> = [];
    for (const name of names) {
      const n = wanted.get(name) ?? 0;
      const forced = this.askDirty && name === RESOURCE_NAME_ANY;
      if (forced || n !== (this.rmRows.get(name) ?? 0)) changed.push([name, n]);
    }
    return changed.sort(([a], [b]) =>
      a === RESOURCE_NAME_ANY ? -1 : b === RESOURCE_NAME_ANY ? 1 : a < b ? -1 : a > b ? 1 : 0,
    );
  }

  private row(resourceName: string, numContainers: number): ResourceRequest {
    return {
      priority: EXECUTOR_PRIORITY,
      resourceName,
      capability: { memoryMb: this.options.resource.memoryMb, vcores: this.options.resource.vcores },
      numContainers,
      relaxLocality: true,
    };
  }

  /**
   * A container arrived on `host`: decrement our copy of the RM's rows as the
   * RM did, and take the request it fills — one for that host if any, else
   * one in its rack, else one asked for anywhere, else any. Returns the host
   * of a node-level request it matched.
   */
  private takeRequest(host: string): string | undefined {
    const rack = this.rackOf(host);
    const dec = (name: string): void => {
      const n = this.rmRows.get(name) ?? 0;
      if (n > 0) this.rmRows.set(name, n - 1);
    };
    if ((this.rmRows.get(host) ?? 0) > 0) {
      dec(host);
      dec(rack);
    } else if ((this.rmRows.get(rack) ?? 0) > 0) {
      dec(rack);
    }
    dec(RESOURCE_NAME_ANY);

    let i = this.requests.indexOf(host);
    const matched = i >= 0 ? host : undefined;
    if (i < 0) i = this.requests.findIndex((h) => h !== undefined && this.rackOf(h) === rack);
    if (i < 0) i = this.requests.indexOf(undefined);
    if (i < 0) i = this.requests.length - 1;
    if (i >= 0) this.requests.splice(i, 1);
    return matched;
  }

  private release(container: Container, why: string): void {
    const id = formatContainerId(container.id);
    this.releasing.set(id, container.id);
    this.pendingRelease.push(container.id);
    this.log.info({ containerId: id, node: formatNodeId(container.nodeId) }, `Releasing container: ${why}`);
  }

  private handleAllocated(containers: readonly Container[]): void {
    // containers on a host we asked for first, so that one elsewhere cannot take that host's request
    const asked = new Set(this.requests);
    const ordered = [
      ...containers.filter((c) => asked.has(c.nodeId.host)),
      ...containers.filter((c) => !asked.has(c.nodeId.host)),
    ];
    for (const container of ordered) {
      this.allocatedTotal++;
      if (container.priority !== EXECUTOR_PRIORITY) {
        this.release(container, `unexpected priority ${container.priority}`);
        continue;
      }
      const requestedHost = this.takeRequest(container.nodeId.host);
      if (this.stopping || this.executors.size >= this.target) {
        this.release(
          container,
          this.stopping ? 'the application is finishing' : 'surplus (enough executors already)',
        );
        continue;
      }
      this.launch(container, requestedHost);
    }
  }

  private launch(container: Container, requestedHost: string | undefined): void {
    const executorId = String(this.nextExecutorId++);
    const containerId = formatContainerId(container.id);
    const record: ExecutorRecord = {
      executorId,
      container,
      state: 'LAUNCHING',
      ...(requestedHost === undefined ? {} : { requestedHost }),
    };
    this.executors.set(containerId, record);
    const node = formatNodeId(container.nodeId);
    this.log.info(
      {
        executorId,
        containerId,
        node,
        memoryMb: container.resource?.memoryMb,
        ...(requestedHost === undefined ? {} : { requestedHost }),
      },
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
