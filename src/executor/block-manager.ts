import { MessageChannel, type MessagePort } from 'node:worker_threads';
import type { Logger } from '../log.js';
import { BlockStore, type CachedBlock, type StorageLevelName } from '../core/executor/block-store.js';
import { serveCachePort, type SharedCache } from '../core/executor/cache-port.js';
import type { BlockAddress } from '../core/executor/task-result.js';
import { BlockClientPool, type BlockHandle, type BlockSource } from '../core/shuffle/remote/index.js';

/**
 * The cache of one executor process (the storage half of Spark's
 * BlockManager), in its main thread: one BlockStore whose memory budget is
 * counted once for the process, shared by its task threads over their
 * message ports (cache-port.ts), and served to other executors as the block
 * server's `rdd_` source.
 *
 * A task asking for a block this executor does not hold gets it from a peer
 * that does: the driver is asked where the block is (GetBlockLocations on
 * the control connection, through `locate`), and each holder's block server
 * is tried in turn. A block read from a peer is handed to the task and not
 * kept here (as Spark, without replication). When no holder answers, the
 * task recomputes the partition from lineage and caches it here.
 */

/** Where the driver says a block is: the block servers of the executors holding it (not this one). */
export type BlockLocator = (blockId: string) => Promise<{ executorId: string; address: BlockAddress }[]>;

export interface ExecutorBlockManagerOptions {
  executorId: string;
  /** Where blocks that do not fit in memory go (MEMORY_AND_DISK, DISK_ONLY). */
  dir: string;
  /** Storage memory of the whole process. */
  storageMemoryBytes: number;
  /** To fetch blocks from other executors' block servers. */
  secret: string | Uint8Array;
  logger: Logger;
  maxFrameBytes?: number;
  requestTimeoutMs?: number;
}

export class ExecutorBlockManager implements SharedCache, BlockSource {
  readonly store: BlockStore;
  private locator: BlockLocator | undefined;
  private pool: BlockClientPool | undefined;
  private readonly ports: MessagePort[] = [];
  private readonly log: Logger;
  private readonly counts = { localHits: 0, remoteHits: 0, misses: 0, remoteFailures: 0, puts: 0 };

  constructor(private readonly options: ExecutorBlockManagerOptions) {
    this.store = new BlockStore(options.dir, options.storageMemoryBytes);
    this.log = options.logger.child({ component: 'block-manager', executorId: options.executorId });
  }

  /** How to ask the driver where a block is; until set (before registration), only local blocks are found. */
  setLocator(locator: BlockLocator): void {
    this.locator = locator;
  }

  /** A new port for one task thread (to pass in its workerData and transferList). */
  connectTaskThread(): MessagePort {
    const { port1, port2 } = new MessageChannel();
    serveCachePort(port1, this);
    this.ports.push(port1);
    return port2;
  }

  /** Reads served so far, for metrics, logs and tests. */
  get stats(): { localHits: number; remoteHits: number; misses: number; remoteFailures: number; puts: number; blocks: number; memoryBytes: number } {
    return { ...this.counts, blocks: this.store.blockCount, memoryBytes: this.store.memoryBytes };
  }

  async get(blockId: string): Promise<CachedBlock | undefined> {
    const local = await this.store.get(blockId);
    if (local) {
      this.counts.localHits++;
      return local;
    }
    const remote = await this.getRemote(blockId);
    if (remote) {
      this.counts.remoteHits++;
      return { bytes: remote, remote: true };
    }
    this.counts.misses++;
    return undefined;
  }

  async put(blockId: string, bytes: Buffer, level: StorageLevelName): Promise<boolean> {
    const stored = await this.store.put(blockId, bytes, level);
    if (stored) this.counts.puts++;
    return stored;
  }

  removeRdd(rddId: number): Promise<void> {
    return this.store.removeRdd(rddId);
  }

  /** The block server's `rdd_` source. */
  open(blockId: string): Promise<BlockHandle | undefined> {
    return this.store.open(blockId);
  }

  async close(): Promise<void> {
    for (const p of this.ports.splice(0)) p.close();
    this.pool?.close();
    await this.store.clear();
  }

  private async getRemote(blockId: string): Promise<Buffer | undefined> {
    if (!this.locator) return undefined;
    let holders: Awaited<ReturnType<BlockLocator>>;
    try {
      holders = await this.locator(blockId);
    } catch (e) {
      this.log.warn({ blockId, err: { message: (e as Error).message } }, `cannot ask the driver where ${blockId} is; computing it`);
      return undefined;
    }
    for (const h of holders) {
      if (h.executorId === this.options.executorId) continue;
      try {
        const bytes = await this.clients().fetchBlock(h.address, blockId);
        this.log.info(
          { blockId, from: h.executorId, bytes: bytes.length },
          `Read cached block ${blockId} (${bytes.length} bytes) from executor ${h.executorId} at ${h.address.host}:${h.address.port}`,
        );
        return bytes;
      } catch (e) {
        this.counts.remoteFailures++;
        this.log.warn(
          { blockId, from: h.executorId, err: { message: (e as Error).message } },
          `cannot read cached block ${blockId} from executor ${h.executorId}: ${(e as Error).message}`,
        );
      }
    }
    return undefined;
  }

  private clients(): BlockClientPool {
    this.pool ??= new BlockClientPool({
      secret: this.options.secret,
      logger: this.log,
      ...(this.options.maxFrameBytes === undefined ? {} : { maxFrameBytes: this.options.maxFrameBytes }),
      ...(this.options.requestTimeoutMs === undefined ? {} : { requestTimeoutMs: this.options.requestTimeoutMs }),
    });
    return this.pool;
  }
}
