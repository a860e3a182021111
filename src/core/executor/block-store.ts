import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { decodeBatch, encodeBatch, frameBatch, decodeFramedStream } from '../serde.js';

/**
 * Cached RDD partitions of one executor (persist/cache). Blocks are stored
 * serialized (node:v8, one buffer per batch): sizes are exact, and a later
 * function that mutates its input cannot change the cached data.
 *
 * MEMORY_ONLY keeps a block if it fits the storage budget and otherwise skips
 * caching it (the partition is recomputed from lineage next time, as Spark
 * does); MEMORY_AND_DISK writes what does not fit to disk; DISK_ONLY always
 * writes to disk. No eviction of blocks already stored.
 */
export type StorageLevelName = 'MEMORY_ONLY' | 'MEMORY_AND_DISK' | 'DISK_ONLY';

export class BlockStore {
  private readonly memory = new Map<string, Buffer[]>();
  private readonly disk = new Map<string, string>();
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

  async *read(id: string): AsyncGenerator<unknown[]> {
    const mem = this.memory.get(id);
    if (mem) {
      for (const buf of mem) yield decodeBatch(buf);
      return;
    }
    const path = this.disk.get(id);
    if (path) {
      const bytes = await readFile(path);
      yield* decodeFramedStream((async function* () { yield bytes; })());
    }
  }

  /** Stores a fully computed partition; returns whether it was stored. */
  async put(id: string, batches: unknown[][], level: StorageLevelName): Promise<boolean> {
    if (level !== 'DISK_ONLY') {
      const bufs = batches.map((b) => encodeBatch(b));
      const size = bufs.reduce((n, b) => n + b.length, 0);
      if (this.memoryUsed + size <= this.memoryLimit) {
        this.memory.set(id, bufs);
        this.memoryUsed += size;
        return true;
      }
      if (level === 'MEMORY_ONLY') return false;
    }
    await mkdir(this.dir, { recursive: true });
    const path = join(this.dir, `${id}.blk`);
    await writeFile(path, Buffer.concat(batches.map((b) => frameBatch(b))));
    this.disk.set(id, path);
    return true;
  }

  async removeRdd(rddId: number): Promise<void> {
    const prefix = `rdd_${rddId}_`;
    for (const [id, bufs] of this.memory) {
      if (id.startsWith(prefix)) {
        this.memoryUsed -= bufs.reduce((n, b) => n + b.length, 0);
        this.memory.delete(id);
      }
    }
    for (const [id, path] of this.disk) {
      if (id.startsWith(prefix)) {
        await rm(path, { force: true });
        this.disk.delete(id);
      }
    }
  }

  async clear(): Promise<void> {
    this.memory.clear();
    this.memoryUsed = 0;
    for (const path of this.disk.values()) await rm(path, { force: true });
    this.disk.clear();
  }
}
