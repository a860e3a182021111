import { Config } from '../../conf/registry.js';
import type { SparkConf } from '../../conf/spark-conf.js';
import { ClusterSchedulerBackend } from '../../core/scheduler/cluster/cluster-backend.js';
import { broadcastPieceSettings } from '../../core/scheduler/cluster/driver-broadcasts.js';
import { executorConf } from '../../core/scheduler/cluster/local-cluster.js';
import type { Logger } from '../../log.js';
import { resolveDriverEndpointAddress } from '../../rpc/endpoint-address.js';
import { rpcSettings } from '../../rpc/rpc-settings.js';
import { YARN_STOP_TIMEOUT_MS } from '../am/driver-backend.js';
import type { ClientModeLauncher } from './client-mode-launcher.js';

/**
 * The driver's scheduler backend in yarn-client mode: the endpoint listens
 * in tspark-submit on spark.driver.bindAddress (default spark.driver.host)
 * and spark.driver.port (0 = a free port), advertised as spark.driver.host
 * (default: this machine's host name, as in Spark) — the address the
 * ApplicationMaster and the executors on the cluster dial. Its executors
 * come from the client-mode AM (ClientModeLauncher), whose messages the
 * same endpoint handles.
 */

/**
 * Covers staging, the AM's start and the executors' allocation and start,
 * all of which happen after the endpoint listens.
 */
export const CLIENT_MODE_REGISTRATION_TIMEOUT_MS = 180_000;

export interface ClientDriverBackendInput {
  conf: SparkConf;
  secret: Buffer;
  launcher: ClientModeLauncher;
  /** This machine's name (os.hostname()): the default spark.driver.host. */
  localHostName: string;
  logger: Logger;
  registrationTimeoutMs?: number;
}

export function clientModeDriverBackend(input: ClientDriverBackendInput): ClusterSchedulerBackend {
  const { conf } = input;
  const executors = conf.require(Config.EXECUTOR_INSTANCES);
  const cores = conf.require(Config.EXECUTOR_CORES);
  const rpc = rpcSettings(conf);
  const backend = new ClusterSchedulerBackend({
    endpoint: resolveDriverEndpointAddress(
      {
        host: conf.get(Config.DRIVER_HOST.key),
        bindAddress: conf.get(Config.DRIVER_BIND_ADDRESS.key),
        port: conf.require(Config.DRIVER_PORT),
      },
      input.localHostName,
    ),
    secret: input.secret,
    executorConf: executorConf(conf),
    expectedExecutors: executors,
    expectedCores: executors * cores,
    registrationTimeoutMs: input.registrationTimeoutMs ?? CLIENT_MODE_REGISTRATION_TIMEOUT_MS,
    executorTimeoutMs: rpc.networkTimeoutMs,
    stopTimeoutMs: YARN_STOP_TIMEOUT_MS,
    maxFrameBytes: rpc.maxFrameBytes,
    requestTimeoutMs: rpc.requestTimeoutMs,
    broadcast: broadcastPieceSettings(conf),
    launcher: input.launcher,
    extraHandlers: input.launcher.handlers,
    logger: input.logger.child({ component: 'ClusterSchedulerBackend' }),
  });
  // the AM places the containers it asks for next near the pending tasks
  input.launcher.useLocalitySource(() => backend.localityPreferences());
  return backend;
}
