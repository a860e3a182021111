// The Hadoop IPC layer against the real test cluster, acting as an
// ApplicationMaster from the test process: an application is submitted over
// REST with an AM container that only copies its container_tokens file out
// and sleeps; the test reads that file, takes the AMRMToken and speaks
// ApplicationMasterProtocol to the RM scheduler port and
// ContainerManagementProtocol (with the NMToken) to a NodeManager:
// register, allocate, start a container, watch it complete, unregister.
import { randomBytes } from 'node:crypto';
import protobuf from 'protobufjs';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ResourceManagerClient } from '../../../src/yarn/rest/client.js';
import { silentLogger } from '../../../src/log.js';
import { IpcClient } from '../../../src/hadoop/ipc/transport/ipc-client.js';
import { IpcConnection } from '../../../src/hadoop/ipc/transport/ipc-connection.js';
import { ClientIdentity } from '../../../src/hadoop/ipc/transport/client-identity.js';
import {
  APPLICATION_MASTER_PROTOCOL,
  ApplicationMasterProtocolClient,
} from '../../../src/hadoop/ipc/protocols/application-master-protocol.js';
import {
  CONTAINER_MANAGEMENT_PROTOCOL,
  ContainerManagementProtocolClient,
} from '../../../src/hadoop/ipc/protocols/container-management-protocol.js';
import {
  formatContainerId,
  formatNodeId,
  parseContainerId,
} from '../../../src/hadoop/ipc/protocols/yarn-ids.js';
import type {
  AllocateResponse,
  Container,
  ContainerStatus,
} from '../../../src/hadoop/ipc/protocols/yarn-records.js';
import { parseTokenStorage, requireAmRmToken } from '../../../src/hadoop/security/credentials.js';
import { decodeAmRmTokenIdentifier } from '../../../src/hadoop/security/token-identifiers.js';
import type { HadoopToken } from '../../../src/hadoop/security/token.js';
import { RemoteError } from '../../../src/hadoop/ipc/errors.js';
import { encodeMessage, YarnTypes } from '../../../src/hadoop/ipc/proto/messages.js';
import { attemptIdToProto } from '../../../src/hadoop/ipc/protocols/yarn-records.js';
import { RemoteErrorCode } from '../../../src/hadoop/ipc/remote-errors.js';
import { hadoopCluster } from '../../support/hadoop.js';

const cluster = hadoopCluster();
const rm = new ResourceManagerClient({ resourceManagers: [cluster.rmUrl], user: cluster.user });
const identity = ClientIdentity.create(randomBytes);
const logger = silentLogger();
const workDir = mkdtempSync(path.join(tmpdir(), 'tspark-ipc-it-'));
const clients: IpcClient[] = [];
let appId: string | undefined;

/** A property of the cluster's yarn-site.xml, read with a plain regex. */
function yarnSite(key: string): string | undefined {
  const xml = readFileSync(path.join(cluster.confDir, 'yarn-site.xml'), 'utf8');
  return new RegExp(`<name>${key.replace(/\./g, '\\.')}</name>\\s*<value>([^<]*)</value>`).exec(xml)?.[1];
}

const schedulerAddress = yarnSite('yarn.resourcemanager.scheduler.address') ?? '127.0.0.1:8030';
const [rmHost, rmPort] = schedulerAddress.split(':') as [string, string];

function channel(
  host: string,
  port: number,
  protocol: typeof APPLICATION_MASTER_PROTOCOL,
  token: () => HadoopToken,
) {
  const client = new IpcClient({
    host,
    port,
    protocol,
    auth: () => ({ kind: 'token', token: token() }),
    clientId: identity.clientId,
    callIds: identity,
    randomBytes,
    logger,
    callTimeoutMs: 30_000,
  });
  clients.push(client);
  return client;
}

async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined> | T | undefined,
  timeoutMs = 90_000,
): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

afterAll(async () => {
  for (const c of clients) c.close();
  if (appId) {
    const state = await rm.getApplicationState(appId).catch(() => 'KILLED');
    if (!['FINISHED', 'FAILED', 'KILLED'].includes(state))
      await rm.killApplication(appId, 'hadoop-ipc test cleanup');
  }
  rmSync(workDir, { recursive: true, force: true });
});

describe('Hadoop IPC against the real ResourceManager and NodeManagers', () => {
  let amrmToken: HadoopToken;
  let amContainerId: string;

  it('reads the AMRMToken from a real AM container_tokens file', async () => {
    const app = await rm.newApplication();
    appId = app['application-id'];
    const out = (name: string) => path.join(workDir, name);
    await rm.submitApplication({
      'application-id': appId,
      'application-name': 'tspark-ipc-it',
      queue: 'default',
      'am-container-spec': {
        commands: {
          command:
            `cp "$HADOOP_TOKEN_FILE_LOCATION" ${out('container_tokens.tmp')} && mv ${out('container_tokens.tmp')} ${out('container_tokens')}; ` +
            `echo "$CONTAINER_ID" > ${out('container_id')}; sleep 300`,
        },
      },
      'unmanaged-AM': false,
      'max-app-attempts': 1,
      resource: { memory: 256, vCores: 1 },
      'application-type': 'TSPARK-IT',
    });
    const bytes = await waitFor('the AM container to copy its tokens', () =>
      existsSync(out('container_tokens')) && existsSync(out('container_id'))
        ? readFileSync(out('container_tokens'))
        : undefined,
    );
    amContainerId = readFileSync(out('container_id'), 'utf8').trim();
    const credentials = parseTokenStorage(bytes, 'container_tokens');
    amrmToken = requireAmRmToken(credentials);
    expect(amrmToken.service).toBe('');
    const id = decodeAmRmTokenIdentifier(amrmToken.identifier);
    const container = parseContainerId(amContainerId);
    expect(id.applicationAttemptId).toEqual(container.applicationAttemptId);
    expect(id.user).toMatch(new RegExp(`^appattempt_${appId.slice('application_'.length)}_000001$`));
  });

  it('refuses a token with a wrong password (SaslException) and an unknown token (InvalidToken)', async () => {
    const open = (token: HadoopToken) =>
      IpcConnection.open({
        host: rmHost,
        port: Number(rmPort),
        protocol: APPLICATION_MASTER_PROTOCOL,
        auth: { kind: 'token', token },
        clientId: identity.clientId,
        callIds: identity,
        randomBytes,
        logger,
      });
    const wrongPassword = { ...amrmToken, password: Buffer.alloc(amrmToken.password.length, 7) };
    const e1 = (await open(wrongPassword).catch((e: unknown) => e)) as RemoteError;
    expect(e1).toBeInstanceOf(RemoteError);
    expect(e1.javaClass).toBe('javax.security.sasl.SaslException');
    expect(e1.code).toBe(RemoteErrorCode.SASL_FAILED);
    // The same identifier for an attempt the RM never issued (attempt 99).
    const id = decodeAmRmTokenIdentifier(amrmToken.identifier);
    const unknownAttempt = encodeMessage(YarnTypes.AMRMTokenIdentifierProto, {
      appAttemptId: attemptIdToProto({ ...id.applicationAttemptId, attemptId: 99 }),
      keyId: id.keyId,
    });
    const e2 = (await open({ ...amrmToken, identifier: unknownAttempt }).catch(
      (e: unknown) => e,
    )) as RemoteError;
    expect(e2).toBeInstanceOf(RemoteError);
    expect(e2.fatal).toBe(true);
    expect(e2.code).toBe(RemoteErrorCode.INVALID_TOKEN);
    expect(e2.message).toContain('appattempt_');
  });

  it('registers, allocates and launches a container with the NMToken, sees it complete, and unregisters', async () => {
    let token = amrmToken;
    const am = new ApplicationMasterProtocolClient(
      channel(rmHost, Number(rmPort), APPLICATION_MASTER_PROTOCOL, () => token),
    );
    const registration = await am.registerApplicationMaster({
      host: 'localhost',
      rpcPort: -1,
      trackingUrl: '',
    });
    expect(registration.maximumCapability?.memoryMb).toBe(
      Number(yarnSite('yarn.scheduler.maximum-allocation-mb')),
    );
    expect(registration.queue).toMatch(/(^|\.)default$/);

    // Registering twice is the RM's InvalidApplicationMasterRequestException, as a typed error.
    const twice = (await am
      .registerApplicationMaster({ host: 'localhost', rpcPort: -1, trackingUrl: '' })
      .catch((e: unknown) => e)) as RemoteError;
    expect(twice.code).toBe(RemoteErrorCode.INVALID_AM_REQUEST);

    let responseId = 0;
    const nmTokens = new Map<string, HadoopToken>();
    const completed: ContainerStatus[] = [];
    // Asks are totals that replace the RM's row: send the row once, as AMRMClient does
    // (re-sending 1 while an allocation is on its way yields a surplus container).
    let ask = [
      { priority: 1, resourceName: '*', capability: { memoryMb: 256, vcores: 1 }, numContainers: 1 },
    ];
    const allocated: Container[] = [];
    const allocate = async (): Promise<AllocateResponse> => {
      const response = await am.allocate({ responseId, progress: 0.1, ask });
      ask = [];
      allocated.push(...response.allocatedContainers);
      responseId = response.responseId;
      for (const t of response.nmTokens) nmTokens.set(formatNodeId(t.nodeId), t.token);
      if (response.amRmToken) token = response.amRmToken;
      completed.push(...response.completedContainerStatuses);
      return response;
    };

    const container: Container = await waitFor(
      'a container allocation',
      async () => (await allocate()).allocatedContainers[0],
    );
    expect(container.resource?.memoryMb).toBeGreaterThanOrEqual(256);
    const node = formatNodeId(container.nodeId);
    expect(cluster.nodeManagers.map((n) => n.nodeId)).toContain(node);
    const nmToken = nmTokens.get(node);
    expect(nmToken?.kind).toBe('NMToken');

    const nm = new ContainerManagementProtocolClient(
      channel(container.nodeId.host, container.nodeId.port, CONTAINER_MANAGEMENT_PROTOCOL, () => nmToken!),
    );
    const started = await nm.startContainers([
      {
        launchContext: {
          environment: { GREETING: 'hello-from-tspark-ipc' },
          commands: ['echo $GREETING 1><LOG_DIR>/stdout 2><LOG_DIR>/stderr'],
        },
        containerToken: container.containerToken!,
      },
    ]);
    expect(started.failed).toEqual([]);
    expect(started.succeeded.map(formatContainerId)).toEqual([formatContainerId(container.id)]);

    const statuses = await nm.getContainerStatuses([container.id]);
    expect(statuses.failed).toEqual([]);
    expect(statuses.statuses.map((s) => formatContainerId(s.containerId))).toEqual([
      formatContainerId(container.id),
    ]);

    // Starting the same container again is a per-container failure, not an RPC error.
    const again = await nm.startContainers([
      { launchContext: { commands: ['true'] }, containerToken: container.containerToken! },
    ]);
    expect(again.succeeded).toEqual([]);
    expect(again.failed.map((f) => formatContainerId(f.containerId))).toEqual([
      formatContainerId(container.id),
    ]);

    const done = await waitFor('the container to complete', async () => {
      await allocate();
      return completed.find((s) => formatContainerId(s.containerId) === formatContainerId(container.id));
    });
    expect(done).toMatchObject({ state: 'COMPLETE', exitStatus: 0 });
    expect(allocated.map((c) => formatContainerId(c.id))).toEqual([formatContainerId(container.id)]);
    const stdout = cluster.nodeManagers
      .map((n) => path.join(n.logDir, appId!, formatContainerId(container.id), 'stdout'))
      .filter((f) => existsSync(f));
    expect(stdout.map((f) => readFileSync(f, 'utf8'))).toEqual(['hello-from-tspark-ipc\n']);

    const finished = await waitFor('unregistration', async () => {
      const r = await am.finishApplicationMaster({
        finalStatus: 'SUCCEEDED',
        diagnostics: 'ipc integration test',
      });
      return r.isUnregistered ? r : undefined;
    });
    expect(finished.isUnregistered).toBe(true);
    const report = await waitFor('the final state', async () => {
      const r = await rm.getApplication(appId!);
      return r.state === 'FINISHED' ? r : undefined;
    });
    expect(report.finalStatus).toBe('SUCCEEDED');
  });
});

describe('SIMPLE authentication against the real ResourceManager client port', () => {
  it('connects without SASL, asserting the user in the connection context, and calls getClusterMetrics', async () => {
    const clientAddress = yarnSite('yarn.resourcemanager.address') ?? '127.0.0.1:8032';
    const [host, port] = clientAddress.split(':') as [string, string];
    const client = new IpcClient({
      host,
      port: Number(port),
      protocol: { name: 'org.apache.hadoop.yarn.api.ApplicationClientProtocolPB', version: 1n },
      auth: () => ({ kind: 'simple', user: cluster.user }),
      clientId: identity.clientId,
      callIds: identity,
      randomBytes,
      logger,
    });
    clients.push(client);
    // GetClusterMetricsRequestProto is empty; the response is
    // GetClusterMetricsResponseProto { 1: YarnClusterMetricsProto { 1: num_node_managers } }.
    const response = await client.call(
      { name: 'org.apache.hadoop.yarn.api.ApplicationClientProtocolPB', version: 1n },
      'getClusterMetrics',
      new Uint8Array(0),
    );
    const reader = protobuf.Reader.create(response);
    expect(reader.uint32()).toBe((1 << 3) | 2);
    const metrics = protobuf.Reader.create(reader.bytes());
    expect(metrics.uint32()).toBe((1 << 3) | 0);
    expect(metrics.int32()).toBe(cluster.nodeManagers.length);
  });
});
