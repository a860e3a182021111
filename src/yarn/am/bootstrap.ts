import { randomBytes } from 'node:crypto';
import { Config } from '../../conf/registry.js';
import type { HadoopConf } from '../../conf/hadoop-conf.js';
import { nameNodeHttpUrls, resourceManagerSchedulerAddresses } from '../../conf/hadoop-addresses.js';
import type { SparkConf } from '../../conf/spark-conf.js';
import type { Logger } from '../../log.js';
import { IpcClient } from '../../hadoop/ipc/transport/ipc-client.js';
import type { IpcAuth } from '../../hadoop/ipc/transport/ipc-connection.js';
import { ClientIdentity } from '../../hadoop/ipc/transport/client-identity.js';
import {
  APPLICATION_MASTER_PROTOCOL,
  ApplicationMasterProtocolClient,
} from '../../hadoop/ipc/protocols/application-master-protocol.js';
import {
  CONTAINER_MANAGEMENT_PROTOCOL,
  ContainerManagementProtocolClient,
} from '../../hadoop/ipc/protocols/container-management-protocol.js';
import {
  formatApplicationAttemptId,
  formatApplicationId,
  formatContainerId,
  formatNodeId,
  type NodeId,
} from '../../hadoop/ipc/protocols/yarn-ids.js';
import { withoutAmRmToken, writeTokenStorage, type Credentials } from '../../hadoop/security/credentials.js';
import type { HadoopToken } from '../../hadoop/security/token.js';
import { WebHdfsClient } from '../../hadoop/webhdfs/client.js';
import { createNodeManagerHttp } from '../../logs/nodemanager/nm-http.js';
import { checkAgainstMaximum, containerSize } from '../container-sizing.js';
import { YarnAllocator } from './allocator.js';
import type { AmEnvironment } from './am-environment.js';
import { ApplicationMaster, type DriverOutcome } from './application-master.js';
import { NodeManagerLauncher } from './container-launcher.js';
import { executorLaunchContext } from './executor-launch-context.js';
import { decodeLocalResourcesEnv, toIpcLocalResources } from './executor-resources.js';
import { AmExitCode, type AmExitCodeValue } from './exit-codes.js';
import { NmTokenCache } from './nm-tokens.js';
import { AmRmSession, type RmEndpoint } from './rm-session.js';
import { nodeManagerStderrTail } from './stderr-tail.js';
import { startStatusServer, type StatusServer } from './status-server.js';
import type { YarnExecutorLauncher } from './yarn-executor-launcher.js';

/**
 * Builds the ApplicationMaster from what its entry point read (environment,
 * Spark and Hadoop configuration, credentials) and runs it. Everything with
 * a socket is created here; the logic lives in the classes it wires.
 */

/** The node binary executors run unless configured (the client's spark.tspark.node). */
const NODE_BINARY_KEY = 'spark.tspark.node';
/** Ours, shorter than Hadoop's 15 minutes: a misconfigured AM should fail within a minute. */
export const DEFAULT_RM_CONNECT_MAX_WAIT_MS = 60_000;
export const DEFAULT_RM_CONNECT_RETRY_INTERVAL_MS = 1_000;
const IPC_CALL_TIMEOUT_MS = 60_000;
const NM_IDLE_CLOSE_MS = 10_000;

export interface BootstrapInput {
  env: AmEnvironment;
  conf: SparkConf;
  hadoopConf: HadoopConf;
  credentials: Credentials;
  amRmToken: HadoopToken;
  /** The driver: runs the user's main (cluster mode) or links to it (client mode); see ApplicationMaster. */
  runDriver: () => Promise<DriverOutcome | void>;
  /** Real executors: joins the driver's backend (cluster mode) or the driver link (client mode) to the allocator. */
  executorLauncher?: YarnExecutorLauncher;
  /** The allocator's first executor id (yarn-client: distinct per attempt). */
  firstExecutorId?: number;
  logger: Logger;
}

export interface RunningApplicationMaster {
  am: ApplicationMaster;
  exitCode: Promise<AmExitCodeValue>;
}

function splitHostPort(address: string): { host: string; port: number } {
  const i = address.lastIndexOf(':');
  return { host: address.slice(0, i).replace(/^\[|\]$/g, ''), port: Number(address.slice(i + 1)) };
}

function msConf(hadoopConf: HadoopConf, key: string, fallback: number): number {
  const raw = hadoopConf.getTrimmed(key);
  const n = raw === undefined ? NaN : Number(raw);
  return Number.isFinite(n) && n >= 0 ? n : fallback;
}

/**
 * The attempts YARN allows this application: MAX_APP_ATTEMPTS when the RM
 * sets it (Hadoop 3.4 does not), else Spark's rule — spark.yarn.maxAppAttempts
 * capped by yarn.resourcemanager.am.max-attempts (default 2).
 */
export function maxAppAttempts(
  env: Pick<AmEnvironment, 'maxAppAttempts'>,
  conf: SparkConf,
  hadoopConf: HadoopConf,
): number {
  if (env.maxAppAttempts !== undefined) return env.maxAppAttempts;
  const yarnMax = Number(hadoopConf.getTrimmed('yarn.resourcemanager.am.max-attempts') ?? '2');
  const clusterMax = Number.isInteger(yarnMax) && yarnMax > 0 ? yarnMax : 2;
  const wanted = conf.getEntry(Config.YARN_MAX_APP_ATTEMPTS);
  return wanted === undefined ? clusterMax : Math.min(wanted, clusterMax);
}

export async function startApplicationMaster(input: BootstrapInput): Promise<RunningApplicationMaster> {
  const { env, conf, hadoopConf, logger } = input;
  const attempt = env.containerId.applicationAttemptId;
  const appId = formatApplicationId(attempt.applicationId);
  const attemptText = formatApplicationAttemptId(attempt);
  const log = logger.child({ appId, attemptId: attemptText });
  const identity = ClientIdentity.create(randomBytes);
  const closeables: Array<() => void | Promise<void>> = [];

  // --- ResourceManager scheduler -----------------------------------------------------
  const endpoints: RmEndpoint[] = resourceManagerSchedulerAddresses(hadoopConf).map((address): RmEndpoint => {
    const { host, port } = splitHostPort(address);
    const client = new IpcClient({
      host,
      port,
      protocol: APPLICATION_MASTER_PROTOCOL,
      auth: (): IpcAuth => ({ kind: 'token', token: session.amRmToken }),
      clientId: identity.clientId,
      callIds: identity,
      randomBytes,
      logger: log,
      peerName: 'ResourceManager scheduler',
      callTimeoutMs: IPC_CALL_TIMEOUT_MS,
    });
    closeables.push(() => client.close());
    return { address, protocol: new ApplicationMasterProtocolClient(client) };
  });
  const session: AmRmSession = new AmRmSession({
    endpoints,
    token: input.amRmToken,
    logger: log,
    sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
    now: () => Date.now(),
    connectMaxWaitMs: msConf(
      hadoopConf,
      'yarn.resourcemanager.connect.max-wait.ms',
      DEFAULT_RM_CONNECT_MAX_WAIT_MS,
    ),
    connectRetryIntervalMs: msConf(
      hadoopConf,
      'yarn.resourcemanager.connect.retry-interval.ms',
      DEFAULT_RM_CONNECT_RETRY_INTERVAL_MS,
    ),
  });

  // --- Executors ------------------------------------------------------------------------
  const executorSize = containerSize({
    role: 'executor',
    heapMiB: conf.require(Config.EXECUTOR_MEMORY),
    overheadMiB: conf.getEntry(Config.EXECUTOR_MEMORY_OVERHEAD),
    overheadFactor: conf.getEntry(Config.EXECUTOR_MEMORY_OVERHEAD_FACTOR),
    vCores: conf.require(Config.EXECUTOR_CORES),
    taskSlots: conf.require(Config.EXECUTOR_CORES),
    memoryKey: Config.EXECUTOR_MEMORY.key,
    overheadKey: Config.EXECUTOR_MEMORY_OVERHEAD.key,
  });
  const numExecutors = conf.require(Config.EXECUTOR_INSTANCES);
  const maxExecutorFailures =
    conf.getEntry(Config.YARN_MAX_EXECUTOR_FAILURES) ?? Math.max(2 * numExecutors, 3);
  const localResources = env.localResources
    ? toIpcLocalResources(decodeLocalResourcesEnv(env.localResources))
    : {};
  if (!env.localResources) {
    log.warn(
      'The client passed no local resources for executors (submitted by an older tspark?): executors get none',
    );
  }
  const executorTokens = writeTokenStorage(withoutAmRmToken(input.credentials));
  const commandOverride = conf.getEntry(Config.YARN_EXECUTOR_COMMAND);
  const nmTokens = new NmTokenCache();
  const launcher = new NodeManagerLauncher({
    nmTokens,
    logger: log,
    callTimeoutMs: IPC_CALL_TIMEOUT_MS,
    connect: (nodeId: NodeId) => {
      const client = new IpcClient({
        host: nodeId.host,
        port: nodeId.port,
        protocol: CONTAINER_MANAGEMENT_PROTOCOL,
        auth: () => {
          const token = nmTokens.get(nodeId);
          if (!token) throw new Error(`no NMToken for ${formatNodeId(nodeId)}`);
          return { kind: 'token', token };
        },
        clientId: identity.clientId,
        callIds: identity,
        randomBytes,
        logger: log,
        peerName: `NodeManager ${formatNodeId(nodeId)}`,
        callTimeoutMs: IPC_CALL_TIMEOUT_MS,
        maxIdleMs: NM_IDLE_CLOSE_MS,
      });
      return { protocol: new ContainerManagementProtocolClient(client), close: () => client.close() };
    },
    launchContext: (container, executorId) =>
      executorLaunchContext({
        appId,
        executorId,
        localResources,
        tokens: executorTokens,
        conf: conf.entries(),
        user: env.user,
        heapMiB: executorSize.heapMiB,
        cores: executorSize.vCores,
        nodeBinary: conf.get(NODE_BINARY_KEY) ?? 'node',
        commandOverride,
        environment: env.stagingDir ? { SPARK_YARN_STAGING_DIR: env.stagingDir } : {},
        ...(input.executorLauncher?.driverUrl ? { driverUrl: input.executorLauncher.driverUrl } : {}),
      }),
  });
  closeables.push(() => launcher.close());
  const stderrTail = nodeManagerStderrTail(createNodeManagerHttp({ user: env.user, idleTimeoutMs: 3_000 }));

  // --- Tracking page ---------------------------------------------------------------------
  let allocator: YarnAllocator | undefined;
  const ref: { am?: ApplicationMaster } = {};
  let statusServer: StatusServer | undefined;
  try {
    statusServer = await startStatusServer(env.nmHost, () => ({
      appId,
      attemptId: attemptText,
      state: ref.am?.currentState ?? 'NEW',
      finalStatus: ref.am?.finalOutcome?.status,
      diagnostics: ref.am?.finalOutcome?.diagnostics,
      executors: (allocator?.executorsSnapshot() ?? []).map((e) => ({
        executorId: e.executorId,
        containerId: formatContainerId(e.container.id),
        node: formatNodeId(e.container.nodeId),
        state: e.state,
      })),
      targetExecutors: allocator?.targetExecutors ?? numExecutors,
      pendingContainers: allocator?.numPending ?? 0,
      executorFailures: allocator?.executorFailures.length ?? 0,
    }));
    const server = statusServer;
    closeables.push(() => server.close());
  } catch (e) {
    log.warn(
      { err: (e as Error).message },
      'Could not start the status page; registering without a tracking URL',
    );
  }

  // --- Staging cleanup ----------------------------------------------------------------------
  const cleanupStaging = async () => {
    if (!env.stagingDir) return;
    const path = /^[a-z]+:\/\/[^/]*(\/.*)$/i.exec(env.stagingDir)?.[1] ?? env.stagingDir;
    const hdfs = new WebHdfsClient({ namenodes: nameNodeHttpUrls(hadoopConf), user: env.user, logger: log });
    await hdfs.delete(path, true);
    log.info({ path }, 'Deleted staging directory');
  };

  const am = new ApplicationMaster({
    session,
    registration: { host: env.nmHost, rpcPort: -1, trackingUrl: statusServer?.url ?? '' },
    createAllocator: (registration) => {
      if (registration.maximumCapability) {
        checkAgainstMaximum(
          executorSize,
          { memory: registration.maximumCapability.memoryMb, vCores: registration.maximumCapability.vcores },
          {
            memoryKey: Config.EXECUTOR_MEMORY.key,
            overheadKey: Config.EXECUTOR_MEMORY_OVERHEAD.key,
            coresKey: Config.EXECUTOR_CORES.key,
          },
        );
      }
      allocator = new YarnAllocator({
        rm: session,
        launcher: input.executorLauncher ? input.executorLauncher.gate(launcher) : launcher,
        nmTokens,
        targetExecutors: numExecutors,
        resource: { memoryMb: executorSize.memoryMiB, vcores: executorSize.vCores },
        maxExecutorFailures,
        tasksPerExecutor: Math.max(1, Math.floor(executorSize.vCores / Math.max(1, conf.require(Config.TASK_CPUS)))),
        heartbeatIntervalMs: conf.require(Config.YARN_SCHEDULER_HEARTBEAT),
        logger: log,
        stderrTail,
        ...(input.firstExecutorId === undefined ? {} : { firstExecutorId: input.firstExecutorId }),
        ...(input.executorLauncher
          ? {
              onExecutorExit: input.executorLauncher.executorExited.bind(input.executorLauncher),
              localityPreferences: input.executorLauncher.localityPreferences.bind(input.executorLauncher),
            }
          : {}),
      });
      log.info(
        {
          executors: numExecutors,
          container: executorSize.explanation,
          vcores: executorSize.vCores,
          maxExecutorFailures,
          command: commandOverride ? 'spark.tspark.yarn.executorCommand' : 'executor entry',
        },
        'Allocator started',
      );
      const started = allocator;
      // the driver stopping its executors: no more asks, and quick heartbeats until they are gone
      input.executorLauncher?.whenStopping(() => {
        started.stop();
        am.heartbeatNow();
      });
      return allocator;
    },
    stopExecutors: (a) => launcher.stop(a.executorsSnapshot().map((e) => e.container)),
    runDriver: input.runDriver,
    attemptId: attempt.attemptId,
    maxAttempts: maxAppAttempts(env, conf, hadoopConf),
    preserveStagingFiles: conf.require(Config.YARN_PRESERVE_STAGING),
    cleanupStaging,
    close: async () => {
      for (const c of closeables.reverse()) await c();
    },
    logger: log,
    now: () => Date.now(),
  });
  log.info(
    {
      containerId: env.containerIdText,
      nodeManager: `${env.nmHost}:${env.nmPort}`,
      trackingUrl: statusServer?.url,
      rm: endpoints.map((e) => e.address),
      attempt: attempt.attemptId,
      maxAttempts: maxAppAttempts(env, conf, hadoopConf),
    },
    'ApplicationMaster started',
  );
  ref.am = am;
  return { am, exitCode: am.run() };
}

export { AmExitCode };
