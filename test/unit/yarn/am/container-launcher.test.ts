import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../../../src/log.js';
import {
  formatContainerId,
  type ContainerId,
  type NodeId,
} from '../../../../src/hadoop/ipc/protocols/yarn-ids.js';
import type { StartContainerRequest } from '../../../../src/hadoop/ipc/protocols/yarn-records.js';
import {
  ContainerLaunchError,
  NodeManagerLauncher,
  type NodeManagerProtocol,
} from '../../../../src/yarn/am/container-launcher.js';
import { NmTokenCache } from '../../../../src/yarn/am/nm-tokens.js';
import { createContainer, nmToken } from './fake-rm.js';

function setup(behaviour: (requests: StartContainerRequest[]) => 'ok' | 'refuse' | 'throw') {
  const nmTokens = new NmTokenCache();
  const opened: string[] = [];
  const stopped: Array<{ node: string; ids: string[] }> = [];
  const launcher = new NodeManagerLauncher({
    nmTokens,
    logger: silentLogger(),
    launchContext: (_c, executorId) => ({ commands: [`run executor ${executorId}`] }),
    connect: (nodeId: NodeId) => {
      opened.push(`${nodeId.host}:${nodeId.port}`);
      const protocol: NodeManagerProtocol = {
        async startContainers(requests) {
          const b = behaviour(requests);
          if (b === 'throw') throw new Error('connection refused');
          const id = createContainer(nodeId.host).id;
          return b === 'ok'
            ? { succeeded: [id], failed: [], servicesMetaData: {} }
            : {
                succeeded: [],
                failed: [
                  {
                    containerId: id,
                    exception: {
                      className: 'org.apache.hadoop.yarn.exceptions.YarnException',
                      message: 'Container already started',
                      trace: '',
                      cause: undefined,
                    },
                  },
                ],
                servicesMetaData: {},
              };
        },
        async stopContainers(ids: ContainerId[]) {
          if (nodeId.host === 'down') throw new Error('unreachable');
          stopped.push({ node: nodeId.host, ids: ids.map(formatContainerId) });
          return { succeeded: ids, failed: [] };
        },
      };
      return { protocol, close: () => {} };
    },
  });
  return { launcher, nmTokens, opened, stopped };
}

describe('NodeManagerLauncher', () => {
  it('starts a container with its token and the executor launch context, one connection per node', async () => {
    const seen: StartContainerRequest[][] = [];
    const t = setup((r) => {
      seen.push(r);
      return 'ok';
    });
    t.nmTokens.update([nmToken('nm-a')]);
    const a = createContainer('nm-a');
    const b = createContainer('nm-a');
    await t.launcher.launch(a, '1');
    await t.launcher.launch(b, '2');
    expect(t.opened).toEqual(['nm-a:45454']);
    expect(seen.map((r) => r[0]!.launchContext.commands)).toEqual([['run executor 1'], ['run executor 2']]);
    expect(seen[0]![0]!.containerToken).toBe(a.containerToken);
  });

  it('turns a per-container refusal into an error naming the node and the reason', async () => {
    const t = setup(() => 'refuse');
    t.nmTokens.update([nmToken('nm-a')]);
    const e = (await t.launcher
      .launch(createContainer('nm-a'), '1')
      .catch((x: unknown) => x)) as ContainerLaunchError;
    expect(e).toBeInstanceOf(ContainerLaunchError);
    expect(e.message).toMatch(
      /^NodeManager nm-a:45454 refused to start container_\w+: YarnException: Container already started$/,
    );
  });

  it('refuses to launch without the NMToken of the node', async () => {
    const t = setup(() => 'ok');
    await expect(t.launcher.launch(createContainer('nm-b'), '1')).rejects.toThrow(
      /no NMToken for NodeManager nm-b:45454/,
    );
    expect(t.opened).toEqual([]);
  });

  it('stops containers grouped by node and only logs nodes it cannot reach', async () => {
    const t = setup(() => 'ok');
    const cs = [createContainer('nm-a'), createContainer('down'), createContainer('nm-a')];
    await t.launcher.stop(cs);
    expect(t.stopped).toEqual([
      { node: 'nm-a', ids: [formatContainerId(cs[0]!.id), formatContainerId(cs[2]!.id)] },
    ]);
  });
});
