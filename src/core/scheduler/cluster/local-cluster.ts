import { randomBytes } from 'node:crypto';
import { Config } from '../../../conf/registry.js';
import type { SparkConf } from '../../../conf/spark-conf.js';
import { ConfigError } from '../../../errors.js';
import type { Logger } from '../../../log.js';
import { resolveDriverEndpointAddress } from '../../../rpc/endpoint-address.js';
import { rpcSettings } from '../../../rpc/rpc-settings.js';
import type { MasterUrl } from '../../master-url.js';
import { ClusterSchedulerBackend } from './cluster-backend.js';
import { broadcastPieceSettings } from './driver-broadcasts.js';
import { LocalClusterLauncher } from './local-cluster-launcher.js';

/** How long the driver waits for local executors to register (they start in well under a second). */
const REGISTRATION_TIMEOUT_MS = 60_000;
/** How long stop() waits for executors to exit before killing them. */
const STOP_TIMEOUT_MS = 10_000;

/** The configuration executors receive: everything but the application secret. */
export function executorConf(conf: SparkConf): Record<string, string> {
  const all = conf.toObject();
  delete all[Config.AUTHENTICATE_SECRET.key];
  return all;
}

/** The application secret: spark.authenticate.secret when set, else fresh random bytes. */
export function applicationSecret(conf: SparkConf, random: (n: number) => Buffer = randomBytes): Buffer {
  const configured = conf.get(Config.AUTHENTICATE_SECRET.key);
  return configured ? Buffer.from(configured, 'utf8') : random(32);
}

/**
 * The scheduler backend for `local-cluster[N,C,M]`. The driver endpoint
 * follows spark.driver.host / bindAddress / port; as every executor runs on
 * this machine, the host defaults to `localhost` rather than the host name.
 */
export function localClusterBackend(
  master: MasterUrl,
  conf: SparkConf,
  localDir: string,
  logger: Logger,
  appId: string,
): ClusterSchedulerBackend {
  if (master.kind !== 'local-cluster') {
    throw new ConfigError(
      'MASTER_NOT_SUPPORTED',
      `the local-cluster backend cannot run master '${conf.get('spark.master')}'`,
    );
  }
  if (master.executors < 1 || master.coresPerExecutor < 1 || master.memoryMiB < 1) {
    throw new ConfigError(
      'INVALID_MASTER',
      `local-cluster[${master.executors},${master.coresPerExecutor},${master.memoryMiB}] needs at least 1 executor, 1 core and 1 MiB`,
    );
  }
  const endpoint = resolveDriverEndpointAddress(
    {
      host: conf.get(Config.DRIVER_HOST.key),
      bindAddress: conf.get(Config.DRIVER_BIND_ADDRESS.key),
      port: conf.require(Config.DRIVER_PORT),
    },
    'localhost',
  );
  const rpc = rpcSettings(conf);
  const toExecutors = executorConf(conf);
  const log = logger.child({ component: 'ClusterSchedulerBackend' });
  return new ClusterSchedulerBackend({
    endpoint,
    secret: applicationSecret(conf),
    executorConf: toExecutors,
    expectedExecutors: master.executors,
    expectedCores: master.executors * master.coresPerExecutor,
    registrationTimeoutMs: REGISTRATION_TIMEOUT_MS,
    executorTimeoutMs: rpc.networkTimeoutMs,
    stopTimeoutMs: STOP_TIMEOUT_MS,
    maxFrameBytes: rpc.maxFrameBytes,
    requestTimeoutMs: rpc.requestTimeoutMs,
    broadcast: broadcastPieceSettings(conf),
    logger: log,
    launcher: new LocalClusterLauncher({
      executors: master.executors,
      coresPerExecutor: master.coresPerExecutor,
      memoryMiB: master.memoryMiB,
      localDir,
      appId,
      executorConf: toExecutors,
      executorHost: endpoint.advertisedHost,
      logger: logger.child({ component: 'LocalClusterLauncher' }),
    }),
  });
}
