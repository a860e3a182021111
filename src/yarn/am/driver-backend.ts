import { Config } from '../../conf/registry.js';
import type { SparkConf } from '../../conf/spark-conf.js';
import { ClusterSchedulerBackend } from '../../core/scheduler/cluster/cluster-backend.js';
import { broadcastPieceSettings } from '../../core/scheduler/cluster/driver-broadcasts.js';
import { executorConf } from '../../core/scheduler/cluster/local-cluster.js';
import { ConfigError } from '../../errors.js';
import type { Credentials } from '../../hadoop/security/credentials.js';
import type { Logger } from '../../log.js';
import { resolveDriverEndpointAddress } from '../../rpc/endpoint-address.js';
import { rpcSettings } from '../../rpc/rpc-settings.js';
import { APP_SECRET_ALIAS } from '../launch-context.js';
import type { YarnExecutorLauncher } from './yarn-executor-launcher.js';

/**
 * The driver's scheduler backend in yarn-cluster mode: the endpoint listens
 * in the AM (advertised as the AM's NodeManager host — as in Spark, a
 * spark.driver.host from the client machine means nothing here — bound to
 * spark.driver.bindAddress or that host, port spark.driver.port, 0 = ephemeral), authenticates with
 * the application secret from the AM's container credentials (the same one
 * the executor containers get), and its executors are the allocator's.
 */

/** YARN containers take seconds to be allocated and localized: wait longer than local-cluster. */
export const YARN_REGISTRATION_TIMEOUT_MS = 120_000;
/** StopExecutor acknowledgements, then the allocator seeing the containers complete (a heartbeat or two). */
export const YARN_STOP_TIMEOUT_MS = 15_000;

export function applicationSecretFromCredentials(credentials: Credentials, tokenFile: string): Buffer {
  const entry = credentials.secretKeys.find((k) => k.alias === APP_SECRET_ALIAS);
  if (!entry || entry.value.length === 0) {
    throw new ConfigError(
      'AM_NO_SECRET',
      `the ApplicationMaster's credentials (${tokenFile}) hold no "${APP_SECRET_ALIAS}": executors could not authenticate; ` +
        'resubmit with a tspark-submit of this version, which adds it',
    );
  }
  return Buffer.from(entry.value);
}

export interface YarnDriverBackendInput {
  conf: SparkConf;
  secret: Buffer;
  /** The AM's NodeManager host (NM_HOST): where executors find the driver by default. */
  amHost: string;
  launcher: YarnExecutorLauncher;
  logger: Logger;
}

export function yarnDriverBackend(input: YarnDriverBackendInput): ClusterSchedulerBackend {
  const { conf } = input;
  const executors = conf.require(Config.EXECUTOR_INSTANCES);
  const cores = conf.require(Config.EXECUTOR_CORES);
  const rpc = rpcSettings(conf);
  const backend = new ClusterSchedulerBackend({
    endpoint: resolveDriverEndpointAddress(
      {
        host: input.amHost,
        bindAddress: conf.get(Config.DRIVER_BIND_ADDRESS.key),
        port: conf.require(Config.DRIVER_PORT),
      },
      input.amHost,
    ),
    secret: input.secret,
    executorConf: executorConf(conf),
    expectedExecutors: executors,
    expectedCores: executors * cores,
    registrationTimeoutMs: YARN_REGISTRATION_TIMEOUT_MS,
    executorTimeoutMs: rpc.networkTimeoutMs,
    stopTimeoutMs: YARN_STOP_TIMEOUT_MS,
    maxFrameBytes: rpc.maxFrameBytes,
    requestTimeoutMs: rpc.requestTimeoutMs,
    broadcast: broadcastPieceSettings(conf),
    launcher: input.launcher,
    logger: input.logger.child({ component: 'ClusterSchedulerBackend' }),
  });
  // the allocator in this process places new containers near the pending tasks
  input.launcher.useLocalitySource(() => backend.localityPreferences());
  return backend;
}
