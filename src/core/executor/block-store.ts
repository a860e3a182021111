import { mkdir, open, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { bufferHandle, type BlockHandle, type BlockSource } from '../shuffle/remote/block-source.js';

/**
 * Cached RDD partitions (persist/cache). A block is stored as a framed
 * stream of serialized batches (`frameBatch`: u32 length + node:v8 payload),
 * the same bytes in memory, on disk and on the wire to another executor:
 * sizes are exact, a later function that mutates its input cannot change the
 * cached data, and serving a block to a peer is a plain byte range.
 *
 * MEMORY_ONLY keeps a block if it fits the storage budget and otherwise skips
 * caching it (the partition is recomputed from lineage next time, as Spark
 * does); MEMORY_AND_DISK writes what does not fit to disk; DISK_ONLY always
 * writes to disk. No eviction of blocks already stored.
 */
export type StorageLevelName = 'MEMORY_ONLY' | 'MEMORY_AND_DISK' | 'DISK_ONLY';

/** A cached block as a task reads it. */
export interface CachedBlock {
  /** The framed batches. */
  bytes: Buffer;
  /** Read from another executor's block server (not held by this executor). */
  remote?: boolean;
}

/**
 * The cache as a task sees it (ExecutorState.blocks): the executor's own
 * BlockStore in local mode; on a cluster executor, a client of the one store
 * in the executor's main thread (cache-port.ts), shared by its task threads.
 */
export interface CacheStore {
  /** The block, from this executor or (cluster) a peer holding it; undefined: compute it. */
  get(blockId: string): Promise<CachedBlock | undefined>;
  /** Stores a fully computed partition; returns whether this executor now holds it. */
  put(blockId: string, bytes: Buffer, level: StorageLevelName): Promise<boolean>;
  removeRdd(rddId: number): Promise<void>;
  /** Drops every block (the executor is stopping). */
  clear(): Promise<void>;
}

export class BlockStore implements CacheStore, BlockSource {
  private readonly memory = new Map<string, Buffer>();
  private readonly disk = new Map<string, { path: string; length: number }>();
  private memoryUsed = 0;

  constructor(
    private readonly dir: string,
    private readonly memoryLimit: number,
  ) {}

  static blockId(rddId: number, partition: number): string {
    return `rdd_${rddId}_${partition}`;
  }

  has(id: string): boolean {
    return this.memory.has(id) || this.disk.has(id);
  }

  /** Bytes of blocks held in memory (counted against the storage budget). */
  get memoryBytes(): number {
    return this.memoryUsed;
  }

  /** Blocks held, in memory or on disk. */
  get blockCount(): number {
    return this.memory.size + this.disk.size;
  }

  async get(id: string): Promise<CachedBlock | undefined> {
    const mem = this.memory.get(id);
    if (mem) return { bytes: mem };
    const file = this.disk.get(id);
    if (!file) return undefined;
    try {
      return { bytes: await readFile(file.path) };
    } catch {
      // removed under us (removeRdd, clear): recompute
      return undefined;
    }
  }

  async put(id: string, bytes: Buffer, level: StorageLevelName): Promise<boolean> {
    // two tasks computed the same partition at once: the first copy stays
    if (this.has(id)) return true;
    if (level !== 'DISK_ONLY') {
      if (this.memoryUsed + bytes.length <= this.memoryLimit) {
        this.memory.set(id, bytes);
        this.memoryUsed += bytes.length;
        return true;
      }
      if (level === 'MEMORY_ONLY') return false;
    }
    await mkdir(this.dir, { recursive: true });
    const path = join(this.dir, `${id}.blk`);
    await writeFile(path, bytes);
    this.disk.set(id, { path, length: bytes.length });
    return true;
  }

  /** Serves a cached block to another executor (the block server's `rdd_` source). */
  open(id: string): Promise<BlockHandle | undefined> {
    const mem = this.memory.get(id);
    if (mem) return Promise.resolve(bufferHandle(mem));
    const file = this.disk.get(id);
    if (!file) return Promise.resolve(undefined);
    return Promise.resolve({
      length: file.length,
      read: async (offset, length) => {
        const handle = await open(file.path, 'r');
        try {
          const buf = Buffer.allocUnsafe(length);
          let read = 0;
          while (read < length) {
            const { bytesRead } = await handle.read(buf, read, length - read, offset + read);
            if (bytesRead === 0) throw new Error(`${file.path} is shorter than the ${file.length} bytes stored`);
            read += bytesRead;
          }
          return buf;
        } finally {
          await handle.close();
        }
      },
    });
  }

  async removeRdd(rddId: number): Promise<void> {
    const prefix = `rdd_${rddId}_`;
    for (const [id, bytes] of this.memory) {
      if (id.startsWith(prefix)) {
        this.memoryUsed -= bytes.length;
        this.memory.delete(id);
      }
    }
    for (const [id, file] of this.disk) {
      if (id.startsWith(prefix)) {
        this.disk.delete(id);
        await rm(file.path, { force: true });
      }
    }
  }

  async clear(): Promise<void> {
    this.memory.clear();
    this.memoryUsed = 0;
    const files = [...this.disk.values()];
    this.disk.clear();
    for (const f of files) await rm(f.path, { force: true });
  }
}
