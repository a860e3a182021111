// Builders and a fake ResourceManager scheduler for allocator tests: no sockets.
// The fake keeps asks the way the RM does (a row per (priority, resource name),
// replaced by each new row, decremented by each allocation) so the tests can
// check what the RM would hold, not only what we sent.
import type { ContainerId } from '../../../../src/hadoop/ipc/protocols/yarn-ids.js';
import { formatContainerId } from '../../../../src/hadoop/ipc/protocols/yarn-ids.js';
import type {
  AllocateResponse,
  Container,
  ContainerStatus,
  NMToken,
  NodeReport,
  ResourceRequest,
} from '../../../../src/hadoop/ipc/protocols/yarn-records.js';
import type { AllocateCall } from '../../../../src/yarn/am/rm-session.js';
import type { ExecutorLauncher } from '../../../../src/yarn/am/allocator.js';

export const ATTEMPT = { applicationId: { clusterTimestamp: 1700000000000n, id: 7 }, attemptId: 1 };
let seq = 1;

export function containerId(n: number): ContainerId {
  return { applicationAttemptId: ATTEMPT, containerId: BigInt(n) };
}

export function createContainer(
  host: string,
  options: { priority?: number; memoryMb?: number } = {},
): Container {
  const id = containerId(++seq);
  return {
    id,
    nodeId: { host, port: 45454 },
    nodeHttpAddress: `${host}:8042`,
    resource: { memoryMb: options.memoryMb ?? 1536, vcores: 1 },
    priority: options.priority ?? 1,
    containerToken: {
      identifier: Uint8Array.of(1),
      password: Uint8Array.of(2),
      kind: 'ContainerToken',
      service: `${host}:45454`,
    },
    executionType: 'GUARANTEED',
    allocationRequestId: 0n,
    version: 0,
    allocationTags: [],
  };
}

export function completed(c: Container | ContainerId, exitStatus: number, diagnostics = ''): ContainerStatus {
  const id = 'id' in c ? c.id : c;
  return {
    containerId: id,
    state: 'COMPLETE',
    diagnostics,
    exitStatus,
    capability: undefined,
    executionType: 'GUARANTEED',
  };
}

export function nmToken(host: string): NMToken {
  return {
    nodeId: { host, port: 45454 },
    token: { identifier: Uint8Array.of(9), password: Uint8Array.of(8), kind: 'NMToken', service: '' },
  };
}

export class FakeRm {
  /** What the RM holds per "priority/resourceName". */
  readonly rows = new Map<string, number>();
  readonly calls: AllocateCall[] = [];
  readonly released: string[] = [];
  reRegistrations = 0;
  private nextAllocated: Container[] = [];
  private nextCompleted: ContainerStatus[] = [];
  private failures: Error[] = [];

  /** Racks the fake RM knows (others are /default-rack); reported once in updatedNodes when set via setRack. */
  private readonly racks = new Map<string, string>();
  private nextUpdatedNodes: NodeReport[] = [];

  /**
   * The RM allocates a container on each host, decrementing our rows as the
   * scheduler does: node + rack + '*' when the host has a row, rack + '*' when
   * its rack has one, else '*'. Delivered with the next response.
   */
  grant(hosts: string[], options: { priority?: number; beyondAsk?: boolean } = {}): Container[] {
    const made = hosts.map((h) => createContainer(h, { priority: options.priority }));
    if (!options.beyondAsk) for (const h of hosts) this.take(options.priority ?? 1, h);
    this.nextAllocated.push(...made);
    return made;
  }

  private take(priority: number, host: string): void {
    const rack = this.racks.get(host) ?? '/default-rack';
    const get = (name: string): number => this.rows.get(`${priority}/${name}`) ?? 0;
    const dec = (name: string): void => {
      if (get(name) > 0) this.rows.set(`${priority}/${name}`, get(name) - 1);
    };
    if (get(host) > 0) {
      // the RM's node-local path decrements the rack row too, and fails without one
      if (!this.rows.has(`${priority}/${rack}`)) throw new Error(`node row ${host} without its rack row ${rack}`);
      dec(host);
      dec(rack);
    } else if (get(rack) > 0) {
      dec(rack);
    }
    dec('*');
  }

  /** Containers the RM would still hand out at this priority (its '*' row). */
  grantable(priority = 1): number {
    return this.rows.get(`${priority}/*`) ?? 0;
  }

  /** The RM reports `host` in `rack` (updatedNodes of the next response). */
  setRack(host: string, rack: string): void {
    this.racks.set(host, rack);
    this.nextUpdatedNodes.push({
      nodeId: { host, port: 45454 },
      httpAddress: `${host}:8042`,
      rackName: rack,
      state: 'RUNNING',
      healthReport: '',
      numContainers: 0,
    });
  }

  complete(...statuses: ContainerStatus[]): void {
    this.nextCompleted.push(...statuses);
  }

  failNext(e: Error): void {
    this.failures.push(e);
  }

  async allocate(call: AllocateCall): Promise<AllocateResponse> {
    const failure = this.failures.shift();
    if (failure) throw failure;
    this.calls.push(structuredClone(call));
    for (const r of call.ask ?? []) this.rows.set(`${r.priority}/${r.resourceName}`, r.numContainers);
    for (const id of call.release ?? []) {
      this.released.push(formatContainerId(id));
    }
    const allocated = this.nextAllocated;
    const done = this.nextCompleted;
    const updatedNodes = this.nextUpdatedNodes;
    this.nextAllocated = [];
    this.nextCompleted = [];
    this.nextUpdatedNodes = [];
    const hosts = [...new Set(allocated.map((c) => c.nodeId.host))];
    return {
      responseId: this.calls.length,
      amCommand: undefined,
      allocatedContainers: allocated,
      completedContainerStatuses: done,
      limit: undefined,
      updatedNodes,
      numClusterNodes: 2,
      preemption: undefined,
      nmTokens: hosts.map(nmToken),
      amRmToken: undefined,
      applicationPriority: undefined,
      containersFromPreviousAttempts: [],
    };
  }

  async reRegister(): Promise<void> {
    this.reRegistrations++;
  }

  /** The asks of the last call (rows sent). */
  lastAsk(): ResourceRequest[] {
    return this.calls.at(-1)?.ask ?? [];
  }
}

export class FakeLauncher implements ExecutorLauncher {
  readonly launched: Array<{ containerId: string; executorId: string }> = [];
  readonly stopped: string[] = [];
  failWith: Error | undefined;

  async launch(container: Container, executorId: string): Promise<void> {
    if (this.failWith) throw this.failWith;
    this.launched.push({ containerId: formatContainerId(container.id), executorId });
  }

  async stop(containers: readonly Container[]): Promise<void> {
    this.stopped.push(...containers.map((c) => formatContainerId(c.id)));
  }
}
