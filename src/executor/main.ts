// Entry point of an executor process (started by the ApplicationMaster in a
// YARN container, or by the local-cluster launcher). Reads its arguments and
// environment here and nowhere else, runs the executor backend, and exits
// with its code. See executor-backend.ts for what it does.
import { mkdtemp, rm } from 'node:fs/promises';
import { hostname as localHostName, tmpdir } from 'node:os';
import { join } from 'node:path';
import v8 from 'node:v8';
import { readSparkPropertiesFile } from '../conf/properties.js';
import { Config } from '../conf/registry.js';
import { SparkConf } from '../conf/spark-conf.js';
import { rpcSettings } from '../rpc/rpc-settings.js';
import { ConfigError, ExitCode, isTsparkError } from '../errors.js';
import { createRootLogger } from '../log.js';
import { parseExecutorArgs } from './executor-args.js';
import { ExecutorBackend } from './executor-backend.js';
import { readApplicationSecret } from './executor-secret.js';
import { WorkerThreadPool, slotShuffleDirs } from './worker-pool.js';
import { ShuffleBlockServer, ShuffleFileResolver } from '../core/shuffle/remote/index.js';
import { removeShuffleFiles } from '../core/shuffle/remove-shuffle-files.js';

async function main(): Promise<number> {
  const log = createRootLogger({ name: 'executor' });
  try {
    const args = parseExecutorArgs(process.argv.slice(2));
    const fileConf = new Map(args.propertiesFile ? readSparkPropertiesFile(args.propertiesFile) : []);
    const conf = new SparkConf(Object.fromEntries(fileConf));
    const rpc = rpcSettings(conf);
    const driver =
      args.driver ??
      (fileConf.get('spark.driver.host') && fileConf.get('spark.driver.port')
        ? { host: fileConf.get('spark.driver.host')!, port: Number(fileConf.get('spark.driver.port')) }
        : undefined);
    if (!driver) {
      throw new ConfigError(
        'EXECUTOR_NO_DRIVER',
        'executor: the driver address is unknown: pass --driver-url host:port',
      );
    }
    const secret = await readApplicationSecret(process.env);
    const host = args.hostname ?? process.env.NM_HOST ?? localHostName();
    // YARN's LOCAL_DIRS first (cleaned by the NodeManager), then spark.local.dir, then the temp dir
    const base =
      (process.env.LOCAL_DIRS ?? fileConf.get('spark.local.dir') ?? '').split(',')[0]?.trim() || tmpdir();
    const localDir = await mkdtemp(join(base, `tspark-executor-${args.executorId}-`));
    const heapBytes = v8.getHeapStatistics().heap_size_limit;
    const backend = new ExecutorBackend({
      executorId: args.executorId,
      host,
      cores: args.cores,
      driverHost: driver.host,
      driverPort: driver.port,
      secret,
      logger: log,
      heartbeatIntervalMs: conf.require(Config.EXECUTOR_HEARTBEAT_INTERVAL),
      driverTimeoutMs: rpc.networkTimeoutMs,
      connectOptions: { maxFrameBytes: rpc.maxFrameBytes, requestTimeoutMs: rpc.requestTimeoutMs },
      // the block server listens on the executor's host (the NodeManager's on YARN) and serves this executor's shuffle files
      startBlockServer: (appConf) => {
        const app = new SparkConf(appConf);
        return ShuffleBlockServer.start({
          bindAddress: host,
          advertisedHost: host,
          port: app.require(Config.BLOCK_MANAGER_PORT),
          secret,
          resolver: new ShuffleFileResolver(slotShuffleDirs(localDir, args.cores)),
          logger: log,
          executorId: args.executorId,
          maxFrameBytes: rpcSettings(app).maxFrameBytes,
        });
      },
      removeShuffle: (shuffleId) => removeShuffleFiles(slotShuffleDirs(localDir, args.cores), shuffleId),
      startSlots: (conf, events, blockServer) => {
        const appRpc = rpcSettings(new SparkConf(conf));
        const fraction = Number(conf['spark.memory.fraction'] ?? '0.6');
        return WorkerThreadPool.start(
          {
            cores: args.cores,
            executorId: args.executorId,
            conf,
            localDir,
            taskMemoryBytes: Math.floor((heapBytes * fraction) / args.cores),
            storageMemoryBytes: Math.floor((heapBytes * fraction * 0.5) / args.cores),
            logger: log,
            ...(blockServer
              ? {
                  blockManager: {
                    address: blockServer,
                    secret,
                    maxFrameBytes: appRpc.maxFrameBytes,
                    requestTimeoutMs: appRpc.networkTimeoutMs,
                  },
                }
              : {}),
          },
          events,
        );
      },
    });
    for (const signal of ['SIGTERM', 'SIGINT'] as const) {
      process.once(signal, () => backend.stop(`received ${signal}`, ExitCode.APP_KILLED));
    }
    const exit = await backend.run();
    await rm(localDir, { recursive: true, force: true });
    return exit.code;
  } catch (e) {
    const message = isTsparkError(e) ? e.message : String((e as Error).stack ?? e);
    log.error(`Error: ${message}`);
    return isTsparkError(e) ? e.exitCode : ExitCode.INTERNAL;
  }
}

process.exitCode = await main();
