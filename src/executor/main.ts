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
import { executorHeapMiB, slotMemory, type SlotMemory } from './slot-memory.js';
import { ShuffleBlockServer, ShuffleFileResolver } from '../core/shuffle/remote/index.js';
import { ExecutorBlockManager } from './block-manager.js';
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
    // one cache per executor process, shared by its task threads and served to other executors
    let blockManager: ExecutorBlockManager | undefined;
    // how the executor's memory divides among its task slots (slot-memory.ts), per application conf
    const slotsFor = (appConf: SparkConf): SlotMemory =>
      slotMemory(executorHeapMiB(process.execArgv, heapBytes), args.cores, {
        memoryFraction: appConf.require(Config.MEMORY_FRACTION),
        storageFraction: appConf.require(Config.MEMORY_STORAGE_FRACTION),
      });
    const blockManagerFor = (appConf: Record<string, string>): ExecutorBlockManager => {
      if (!blockManager) {
        const app = new SparkConf(appConf);
        blockManager = new ExecutorBlockManager({
          executorId: args.executorId,
          dir: join(localDir, 'blocks'),
          // the one cache holds every slot's share of cached-block memory
          storageMemoryBytes: slotsFor(app).storageMemoryBytes * Math.max(1, args.cores),
          secret,
          logger: log,
          maxFrameBytes: rpcSettings(app).maxFrameBytes,
          requestTimeoutMs: rpcSettings(app).networkTimeoutMs,
        });
        blockManager.setLocator((blockId) => backend.locateBlock(blockId));
      }
      return blockManager;
    };
    const backend: ExecutorBackend = new ExecutorBackend({
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
      startBlockServer: async (appConf) => {
        const app = new SparkConf(appConf);
        const server = await ShuffleBlockServer.start({
          bindAddress: host,
          advertisedHost: host,
          port: app.require(Config.BLOCK_MANAGER_PORT),
          secret,
          resolver: new ShuffleFileResolver(slotShuffleDirs(localDir, args.cores)),
          logger: log,
          executorId: args.executorId,
          maxFrameBytes: rpcSettings(app).maxFrameBytes,
        });
        server.registerBlockSource('rdd_', blockManagerFor(appConf));
        return server;
      },
      removeShuffle: (shuffleId) => removeShuffleFiles(slotShuffleDirs(localDir, args.cores), shuffleId),
      startSlots: (conf, events, blockServer) => {
        const appConf = new SparkConf(conf);
        const heapMiB = executorHeapMiB(process.execArgv, heapBytes);
        const slots = slotsFor(appConf);
        log.info(
          `${args.cores} task slot(s) in ${heapMiB} MiB: each a ${slots.oldGenerationMiB} MiB old + ${slots.youngGenerationMiB} MiB young generation heap, ` +
            `${mib(slots.taskMemoryBytes)} MiB of shuffle buffers per task, ${mib(slots.storageMemoryBytes)} MiB of cached blocks per slot`,
        );
        if (slots.oversubscribed) {
          log.warn(
            `${args.cores} task slots need ${slots.oldGenerationMiB + slots.youngGenerationMiB} MiB of heap each: more than ` +
              `this executor's ${heapMiB} MiB hold; raise ${Config.EXECUTOR_MEMORY.key} or lower ${Config.EXECUTOR_CORES.key}`,
          );
        }
        const appRpc = rpcSettings(appConf);
        return WorkerThreadPool.start(
          {
            cores: args.cores,
            executorId: args.executorId,
            conf,
            localDir,
            taskMemoryBytes: slots.taskMemoryBytes,
            storageMemoryBytes: slots.storageMemoryBytes,
            slotHeap: slots,
            logger: log,
            ...(blockServer
              ? {
                  cachePort: () => blockManagerFor(conf).connectTaskThread(),
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
    await blockManager?.close();
    await rm(localDir, { recursive: true, force: true });
    return exit.code;
  } catch (e) {
    const message = isTsparkError(e) ? e.message : String((e as Error).stack ?? e);
    log.error(`Error: ${message}`);
    return isTsparkError(e) ? e.exitCode : ExitCode.INTERNAL;
  }
}

function mib(bytes: number): string {
  return (bytes / (1024 * 1024)).toFixed(1);
}

process.exitCode = await main();
