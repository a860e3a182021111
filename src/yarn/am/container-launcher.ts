import type { Logger } from '../../log.js';
import type { RpcCallOptions } from '../../hadoop/ipc/rpc-channel.js';
import {
  formatContainerId,
  formatNodeId,
  type ContainerId,
  type NodeId,
} from '../../hadoop/ipc/protocols/yarn-ids.js';
import type {
  Container,
  ContainerLaunchContext,
  StartContainerRequest,
  StartContainersResponse,
  StopContainersResponse,
} from '../../hadoop/ipc/protocols/yarn-records.js';
import { ExitCode, TsparkError } from '../../errors.js';
import type { ExecutorLauncher } from './allocator.js';
import type { NmTokenCache } from './nm-tokens.js';

/**
 * Starts executor containers on their NodeManagers with
 * ContainerManagementProtocol, authenticated with each node's NMToken
 * (one connection per node, reused; it reconnects with the latest token).
 */

/** ContainerManagementProtocolClient, or a fake in tests. */
export interface NodeManagerProtocol {
  startContainers(
    requests: StartContainerRequest[],
    options?: RpcCallOptions,
  ): Promise<StartContainersResponse>;
  stopContainers(ids: ContainerId[], options?: RpcCallOptions): Promise<StopContainersResponse>;
}

export interface NodeManagerConnection {
  protocol: NodeManagerProtocol;
  close(): void;
}

export class ContainerLaunchError extends TsparkError {
  constructor(message: string, context: Record<string, string>) {
    super('CONTAINER_LAUNCH_FAILED', message, { exitCode: ExitCode.REMOTE, context });
  }
}

export interface NodeManagerLauncherOptions {
  nmTokens: NmTokenCache;
  /** Opens the connection to a node; it must ask nmTokens for the token each time it (re)connects. */
  connect: (nodeId: NodeId) => NodeManagerConnection;
  launchContext: (container: Container, executorId: string) => ContainerLaunchContext;
  logger: Logger;
  /** Per-call timeout of startContainers/stopContainers. */
  callTimeoutMs?: number;
}

export class NodeManagerLauncher implements ExecutorLauncher {
  private readonly connections = new Map<string, NodeManagerConnection>();
  private readonly log: Logger;

  constructor(private readonly options: NodeManagerLauncherOptions) {
    this.log = options.logger.child({ component: 'launcher' });
  }

  private connection(nodeId: NodeId): NodeManagerConnection {
    const key = formatNodeId(nodeId);
    let c = this.connections.get(key);
    if (!c) {
      c = this.options.connect(nodeId);
      this.connections.set(key, c);
    }
    return c;
  }

  async launch(container: Container, executorId: string): Promise<void> {
    const node = formatNodeId(container.nodeId);
    const containerId = formatContainerId(container.id);
    if (!this.options.nmTokens.get(container.nodeId)) {
      throw new ContainerLaunchError(
        `no NMToken for NodeManager ${node} (the ResourceManager sends it with the first container on a node)`,
        { node, containerId },
      );
    }
    if (!container.containerToken) {
      throw new ContainerLaunchError(`container ${containerId} came without a container token`, {
        node,
        containerId,
      });
    }
    const response = await this.connection(container.nodeId).protocol.startContainers(
      [
        {
          launchContext: this.options.launchContext(container, executorId),
          containerToken: container.containerToken,
        },
      ],
      this.callOptions(),
    );
    const failure =
      response.failed.find((f) => formatContainerId(f.containerId) === containerId) ?? response.failed[0];
    if (failure) {
      const cls = failure.exception.className.slice(failure.exception.className.lastIndexOf('.') + 1);
      throw new ContainerLaunchError(
        `NodeManager ${node} refused to start ${containerId}: ${cls ? `${cls}: ` : ''}${failure.exception.message}`,
        { node, containerId },
      );
    }
    this.log.info({ executorId, containerId, node }, 'Executor container started');
  }

  /** Best effort: asks each node to stop its containers; failures are logged, not thrown. */
  async stop(containers: readonly Container[]): Promise<void> {
    const byNode = new Map<string, Container[]>();
    for (const c of containers) {
      const k = formatNodeId(c.nodeId);
      byNode.set(k, [...(byNode.get(k) ?? []), c]);
    }
    await Promise.all(
      [...byNode.values()].map(async (list) => {
        const nodeId = list[0]!.nodeId;
        try {
          const r = await this.connection(nodeId).protocol.stopContainers(
            list.map((c) => c.id),
            this.callOptions(),
          );
          for (const f of r.failed) {
            this.log.warn(
              { containerId: formatContainerId(f.containerId), err: f.exception.message },
              'NodeManager could not stop a container',
            );
          }
        } catch (e) {
          this.log.warn(
            { node: formatNodeId(nodeId), err: (e as Error).message },
            'Could not reach a NodeManager to stop its containers',
          );
        }
      }),
    );
  }

  close(): void {
    for (const c of this.connections.values()) c.close();
    this.connections.clear();
  }

  private callOptions(): RpcCallOptions | undefined {
    return this.options.callTimeoutMs !== undefined ? { timeoutMs: this.options.callTimeoutMs } : undefined;
  }
}
