import { describe, expect, it } from 'vitest';
import { encodeCallFrame } from '../../../../src/hadoop/ipc/codec/request-frame.js';
import { decodeResponseFrame } from '../../../../src/hadoop/ipc/codec/response-frame.js';
import { FrameDecoder } from '../../../../src/hadoop/ipc/codec/frame-decoder.js';
import {
  APPLICATION_MASTER_PROTOCOL,
  ApplicationMasterProtocolClient,
} from '../../../../src/hadoop/ipc/protocols/application-master-protocol.js';
import {
  CONTAINER_MANAGEMENT_PROTOCOL,
  ContainerManagementProtocolClient,
} from '../../../../src/hadoop/ipc/protocols/container-management-protocol.js';
import type { RpcCallOptions, RpcChannel, RpcProtocol } from '../../../../src/hadoop/ipc/rpc-channel.js';
import { IpcProtocolError } from '../../../../src/hadoop/ipc/errors.js';
import { writeTokenStorage } from '../../../../src/hadoop/security/credentials.js';
import type { ContainerId } from '../../../../src/hadoop/ipc/protocols/yarn-ids.js';
import { formatContainerId } from '../../../../src/hadoop/ipc/protocols/yarn-ids.js';
import { FIXTURE_CLIENT_ID, fixture, hexOf } from './fixtures.js';

// Request fixtures are what Hadoop's own YARN record classes encode for the
// same values (AMRMClient / NMClient style); response fixtures are built by
// Hadoop the way the RM and NM build them. See test/fixtures/ipc/README.md.

interface RecordedCall {
  protocol: RpcProtocol;
  method: string;
  request: Uint8Array;
  options: RpcCallOptions | undefined;
}

/** A channel that answers with the payload of one response fixture. */
function fakeChannel(responseFixture: string | undefined, calls: RecordedCall[]): RpcChannel {
  return {
    async call(protocol, method, request, options) {
      calls.push({ protocol, method, request, options });
      if (!responseFixture) return new Uint8Array(0);
      const [body] = new FrameDecoder().push(fixture(responseFixture));
      return decodeResponseFrame(body!).payload!;
    },
  };
}

/** The whole request frame Hadoop's client would send for this recorded call. */
function frameOf(call: RecordedCall, callId: number): string {
  return hexOf(
    encodeCallFrame({
      callId,
      clientId: FIXTURE_CLIENT_ID,
      retryCount: 0,
      methodName: call.method,
      declaringClassProtocolName: call.protocol.name,
      clientProtocolVersion: call.protocol.version,
      request: call.request,
    }),
  );
}

const attempt = { applicationId: { clusterTimestamp: 1700000000000n, id: 13 }, attemptId: 1 };
const cid = (seq: bigint): ContainerId => ({ applicationAttemptId: attempt, containerId: seq });
const resource1408 = {
  memoryMb: 1408,
  vcores: 2,
  resourceTypes: [
    { name: 'memory-mb', value: 1408n, units: 'Mi' },
    { name: 'vcores', value: 2n, units: '' },
  ],
};
const bytesFrom = (seed: number, n: number) => Uint8Array.from({ length: n }, (_, i) => (seed + i) & 0xff);
/** The generator's yarnToken(kind, service, seed). */
const token = (kind: string, service: string, seed: number) => ({
  identifier: bytesFrom(seed, 12),
  password: bytesFrom(seed * 3, 20),
  kind,
  service,
});

describe('ApplicationMasterProtocolClient against Hadoop-made bytes', () => {
  it('registerApplicationMaster: request bytes and decoded response', async () => {
    const calls: RecordedCall[] = [];
    const client = new ApplicationMasterProtocolClient(fakeChannel('register.response.bin', calls));
    const response = await client.registerApplicationMaster({
      host: 'am-host.example',
      rpcPort: -1,
      trackingUrl: 'http://am-host.example:4040',
    });
    expect(calls[0]!.protocol).toBe(APPLICATION_MASTER_PROTOCOL);
    expect(frameOf(calls[0]!, 0)).toBe(hexOf(fixture('register.request.bin')));
    expect(response).toEqual({
      maximumCapability: {
        memoryMb: 8192,
        vcores: 4,
        resourceTypes: [
          { name: 'memory-mb', value: 8192n, units: 'Mi' },
          { name: 'vcores', value: 4n, units: '' },
        ],
      },
      applicationAcls: [{ accessType: 'VIEW_APP', acl: 'alice' }],
      containersFromPreviousAttempts: [],
      queue: 'default',
      nmTokensFromPreviousAttempts: [],
      schedulerResourceTypes: ['MEMORY'],
    });
  });

  it('allocate with asks, releases (one with an epoch) and a blacklist: same bytes as AMRMClient', async () => {
    const calls: RecordedCall[] = [];
    const client = new ApplicationMasterProtocolClient(fakeChannel('allocate.response.bin', calls));
    const capability = { memoryMb: 1408, vcores: 2 };
    await client.allocate({
      responseId: 7,
      progress: 0.25,
      ask: [
        { priority: 1, resourceName: '*', capability, numContainers: 3 },
        { priority: 1, resourceName: 'localhost', capability, numContainers: 1 },
        { priority: 1, resourceName: '/default-rack', capability, numContainers: 1, relaxLocality: false },
      ],
      release: [cid(4n), cid((17n << 40n) | 5n)],
      blacklistAdditions: ['bad-host.example'],
    });
    expect(frameOf(calls[0]!, 2)).toBe(hexOf(fixture('allocate.request.bin')));
  });

  it('allocate heartbeat with nothing to ask', async () => {
    const calls: RecordedCall[] = [];
    await new ApplicationMasterProtocolClient(fakeChannel('allocate.response.bin', calls)).allocate({
      responseId: 0,
      progress: 0.5,
    });
    expect(frameOf(calls[0]!, 1)).toBe(hexOf(fixture('allocate-heartbeat.request.bin')));
  });

  it('decodes an allocate response: containers, completed statuses (-100 as a 10-byte varint), tokens', async () => {
    const response = await new ApplicationMasterProtocolClient(
      fakeChannel('allocate.response.bin', []),
    ).allocate({
      responseId: 7,
      progress: 0,
    });
    expect(response.responseId).toBe(8);
    expect(response.amCommand).toBeUndefined();
    expect(response.numClusterNodes).toBe(2);
    expect(response.limit).toMatchObject({ memoryMb: 4096, vcores: 2 });
    expect(response.allocatedContainers).toEqual([
      {
        id: cid(2n),
        nodeId: { host: 'localhost', port: 45454 },
        nodeHttpAddress: 'localhost:8042',
        resource: resource1408,
        priority: 1,
        containerToken: token('ContainerToken', '127.0.0.1:45454', 50),
        executionType: 'GUARANTEED',
        allocationRequestId: -1n,
        version: 0,
        allocationTags: [],
      },
      {
        id: cid(3n),
        nodeId: { host: 'localhost', port: 45455 },
        nodeHttpAddress: 'localhost:8142',
        resource: resource1408,
        priority: 1,
        containerToken: token('ContainerToken', '127.0.0.1:45455', 60),
        executionType: 'GUARANTEED',
        allocationRequestId: -1n,
        version: 0,
        allocationTags: [],
      },
    ]);
    expect(response.allocatedContainers.map((c) => formatContainerId(c.id))).toEqual([
      'container_1700000000000_0013_01_000002',
      'container_1700000000000_0013_01_000003',
    ]);
    expect(response.completedContainerStatuses).toEqual([
      {
        containerId: cid(4n),
        state: 'COMPLETE',
        diagnostics: 'Container released by the ApplicationMaster',
        exitStatus: -100,
        capability: undefined,
        executionType: 'GUARANTEED',
      },
      {
        containerId: cid(5n),
        state: 'COMPLETE',
        diagnostics: 'Exception from container-launch.\nExit code: 1',
        exitStatus: 1,
        capability: undefined,
        executionType: 'GUARANTEED',
      },
    ]);
    expect(response.nmTokens).toEqual([
      { nodeId: { host: 'localhost', port: 45454 }, token: token('NMToken', 'localhost:45454', 70) },
    ]);
    expect(response.amRmToken).toEqual(token('YARN_AM_RM_TOKEN', '', 80));
  });

  it('finishApplicationMaster: request bytes and isUnregistered', async () => {
    const calls: RecordedCall[] = [];
    const response = await new ApplicationMasterProtocolClient(
      fakeChannel('finish.response.bin', calls),
    ).finishApplicationMaster({
      finalStatus: 'FAILED',
      diagnostics: '2 executors failed: exit code 1',
      trackingUrl: 'http://am-host.example:4040',
    });
    expect(frameOf(calls[0]!, 9)).toBe(hexOf(fixture('finish.request.bin')));
    expect(response).toEqual({ isUnregistered: true });
  });

  it('wraps an undecodable response into an IPC protocol error naming the method', async () => {
    const channel: RpcChannel = { call: async () => Uint8Array.of(0x0a, 0x05) };
    await expect(
      new ApplicationMasterProtocolClient(channel).allocate({ responseId: 0, progress: 0 }),
    ).rejects.toThrow(IpcProtocolError);
    await expect(
      new ApplicationMasterProtocolClient(channel).allocate({ responseId: 0, progress: 0 }),
    ).rejects.toThrow(/allocate/);
  });
});

describe('ContainerManagementProtocolClient against Hadoop-made bytes', () => {
  it('startContainers: launch context with resource, env, commands, tokens and ACLs', async () => {
    const calls: RecordedCall[] = [];
    const client = new ContainerManagementProtocolClient(fakeChannel('start-containers.response.bin', calls));
    const response = await client.startContainers([
      {
        launchContext: {
          localResources: {
            '__app__.mjs': {
              url: {
                scheme: 'hdfs',
                host: '127.0.0.1',
                port: 9000,
                file: '/user/alice/.sparkStaging/application_1700000000000_0013/app.mjs',
              },
              size: 12345,
              timestamp: 1700000001234,
              type: 'FILE',
              visibility: 'APPLICATION',
            },
          },
          environment: { TSPARK_EXECUTOR_ID: '3' },
          commands: ['{{JAVA_HOME}}/../node', 'executor.js', '1><LOG_DIR>/stdout', '2><LOG_DIR>/stderr'],
          tokens: writeTokenStorage({
            tokens: [],
            secretKeys: [{ alias: 'tspark.app.secret', value: Buffer.from('s3cr3t') }],
          }),
          applicationAcls: { VIEW_APP: 'alice' },
        },
        containerToken: token('ContainerToken', '127.0.0.1:45454', 40),
      },
    ]);
    expect(calls[0]!.protocol).toBe(CONTAINER_MANAGEMENT_PROTOCOL);
    expect(frameOf(calls[0]!, 3)).toBe(hexOf(fixture('start-containers.request.bin')));
    expect(response.succeeded).toEqual([cid(2n)]);
    expect(response.failed).toEqual([
      {
        containerId: cid(3n),
        exception: {
          message: 'Container container_1700000000000_0013_01_000003 already started',
          className: 'org.apache.hadoop.yarn.exceptions.YarnException',
          trace: 'org.apache.hadoop.yarn.exceptions.YarnException: already started',
          cause: undefined,
        },
      },
    ]);
    expect([...response.servicesMetaData.mapreduce_shuffle!]).toEqual([0, 0, 0x34, 0x5c]);
  });

  it('stopContainers and getContainerStatuses', async () => {
    const calls: RecordedCall[] = [];
    const stop = await new ContainerManagementProtocolClient(
      fakeChannel('stop-containers.response.bin', calls),
    ).stopContainers([cid(2n), cid(3n)]);
    expect(frameOf(calls[0]!, 4)).toBe(hexOf(fixture('stop-containers.request.bin')));
    expect(stop).toEqual({ succeeded: [cid(2n), cid(3n)], failed: [] });

    const statuses = await new ContainerManagementProtocolClient(
      fakeChannel('get-container-statuses.response.bin', calls),
    ).getContainerStatuses([cid(2n)]);
    expect(frameOf(calls[1]!, 5)).toBe(hexOf(fixture('get-container-statuses.request.bin')));
    expect(statuses.statuses).toEqual([
      {
        containerId: cid(2n),
        state: 'RUNNING',
        diagnostics: '',
        exitStatus: -1000,
        capability: undefined,
        executionType: 'GUARANTEED',
      },
    ]);
  });
});
