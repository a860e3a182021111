import { compareKeys, keyToken } from '../keys.js';
import type {
  CartesianPartition,
  CoalescedPartition,
  CoGroupPartition,
  FilePartition,
  FilesPartition,
  ParallelPartition,
  Partition,
  RangePartition,
  RddSpec,
  ShuffleReadSource,
  UnionPartition,
} from '../rdd/spec.js';
import { BATCH_SIZE } from '../batch.js';
import { BlockStore, type StorageLevelName } from './block-store.js';
import { applyNarrowOps } from './narrow-ops.js';
import { readShuffle } from './shuffle-adapter.js';
import { readTextSplit } from '../io/text-input.js';
import { decodeFramedStream, frameBatch } from '../serde.js';
import type { TaskRun } from './task-run.js';
import { countBytes } from '../io/count-bytes.js';

/**
 * Rebuilds an RDD's computation on the executor from its spec: the lineage
 * within one stage, ending at shuffle reads or sources.
 */
export function compute(spec: RddSpec, partition: Partition, run: TaskRun): AsyncIterable<unknown[]> {
  if (spec.cache) return cached(spec, partition, run);
  return computeUncached(spec, partition, run);
}

/**
 * A cached RDD's partition: read from the cache (this executor's, or on a
 * cluster a peer's that holds it), else computed from lineage and offered to
 * the cache once fully computed. A task that stops early caches nothing.
 */
async function* cached(spec: RddSpec, partition: Partition, run: TaskRun): AsyncGenerator<unknown[]> {
  const id = BlockStore.blockId(spec.rddId, partition.index);
  const blocks = run.state.blocks;
  const hit = await blocks.get(id);
  if (hit) {
    yield* decodeFramedStream(once(hit.bytes));
    return;
  }
  const frames: Buffer[] = [];
  for await (const b of computeUncached(spec, partition, run)) {
    frames.push(frameBatch(b));
    yield b;
  }
  if (await blocks.put(id, Buffer.concat(frames), spec.cache!.level as StorageLevelName)) run.cachedBlocks.push({ rddId: spec.rddId, partition: partition.index });
}

async function* once(bytes: Buffer): AsyncGenerator<Buffer> {
  yield bytes;
}

async function* computeUncached(spec: RddSpec, partition: Partition, run: TaskRun): AsyncGenerator<unknown[]> {
  switch (spec.kind) {
    case 'parallel': {
      const data = (partition as ParallelPartition).data;
      for (let i = 0; i < data.length; i += BATCH_SIZE) yield data.slice(i, i + BATCH_SIZE);
      return;
    }
    case 'range': {
      const { start, end, step } = partition as RangePartition;
      let batch: number[] = [];
      for (let x = start; step > 0 ? x < end : x > end; x += step) {
        batch.push(x);
        if (batch.length >= BATCH_SIZE) {
          yield batch;
          batch = [];
        }
      }
      if (batch.length > 0) yield batch;
      return;
    }
    case 'narrow': {
      yield* await applyNarrowOps(spec.ops, compute(spec.parent, partition, run), partition, run.state);
      return;
    }
    case 'union': {
      const p = partition as UnionPartition;
      yield* compute(spec.parents[p.parentIndex]!, p.parent, run);
      return;
    }
    case 'coalesced':
      for (const parent of (partition as CoalescedPartition).parents) yield* compute(spec.parent, parent, run);
      return;
    case 'cartesian': {
      const p = partition as CartesianPartition;
      const right: unknown[] = [];
      for await (const b of compute(spec.right, p.right, run)) for (const x of b) right.push(x);
      if (right.length === 0) return;
      for await (const b of compute(spec.left, p.left, run)) {
        let out: unknown[] = [];
        for (const a of b) {
          for (const r of right) out.push([a, r]);
          if (out.length >= BATCH_SIZE) {
            yield out;
            out = [];
          }
        }
        if (out.length > 0) yield out;
      }
      return;
    }
    case 'shuffled':
      yield* readShuffle(spec.read, partition.index, run);
      return;
    case 'cogroup':
      yield* cogroup(spec.sources, spec.arity, partition as CoGroupPartition, run);
      return;
    case 'textFile': {
      const split = (partition as FilePartition).split;
      for await (const lines of readTextSplit(run.state.fileSystem(split.path), split, (n) => (run.io.inputBytes += n))) {
        run.io.inputRecords += lines.length;
        yield lines;
      }
      return;
    }
    case 'wholeTextFiles':
      for (const path of (partition as FilesPartition).paths) {
        const fs = run.state.fileSystem(path);
        const chunks: Buffer[] = [];
        for await (const c of toBuffers(await fs.open(path))) {
          run.io.inputBytes += c.length;
          chunks.push(c);
        }
        run.io.inputRecords++;
        yield [[path, Buffer.concat(chunks).toString('utf8')]];
      }
      return;
    case 'objectFile':
      for (const path of (partition as FilesPartition).paths) {
        const fs = run.state.fileSystem(path);
        for await (const batch of decodeFramedStream(countBytes(toBuffers(await fs.open(path)), (n) => (run.io.inputBytes += n)))) {
          run.io.inputRecords += batch.length;
          yield batch;
        }
      }
      return;
  }
}

async function* toBuffers(stream: NodeJS.ReadableStream): AsyncGenerator<Buffer> {
  for await (const c of stream) yield Buffer.isBuffer(c) ? c : Buffer.from(c as string);
}

/**
 * cogroup: every source's values for a key, side by side, as
 * [key, [values of source 0, values of source 1, ...]]. Shuffle sources
 * arrive grouped and sorted by key from the shuffle reader (which spills), so
 * sources are merged key by key and only one key's values are held at a time.
 * Narrow (co-partitioned) sources are grouped and sorted in memory.
 */
async function* cogroup(
  sources: ({ narrow: RddSpec; tag: number } | { shuffle: ShuffleReadSource; tag: number })[],
  arity: number,
  partition: CoGroupPartition,
  run: TaskRun,
): AsyncGenerator<unknown[]> {
  const cursors = sources.map((src, i) => new GroupCursor(src.tag, 'narrow' in src ? sortedGroups(compute(src.narrow, partition.narrow[i]!, run)) : readShuffle(src.shuffle, partition.index, run)));
  try {
    for (const c of cursors) await c.fill();
    let out: unknown[] = [];
    for (;;) {
      let min: GroupCursor | undefined;
      for (const c of cursors) if (!c.done && (!min || compareKeys(c.key, min.key) < 0)) min = c;
      if (!min) break;
      const key = min.key;
      const values: unknown[][] = Array.from({ length: arity }, () => []);
      for (const c of cursors) {
        if (c.done || compareKeys(c.key, key) !== 0) continue;
        values[c.tag] = c.values;
        if (!c.next()) await c.fill();
      }
      out.push([key, values]);
      if (out.length >= BATCH_SIZE) {
        yield out;
        out = [];
      }
    }
    if (out.length > 0) yield out;
  } finally {
    // close shuffle readers early (their spill files go with them)
    await Promise.all(cursors.map((c) => c.close()));
  }
}

/** Reads [key, values[]] groups in key order, one batch at a time. */
class GroupCursor {
  private batch: [unknown, unknown[]][] = [];
  private i = 0;
  done = false;
  private readonly it: AsyncIterator<unknown[]>;

  constructor(
    readonly tag: number,
    source: AsyncIterable<unknown[]>,
  ) {
    this.it = source[Symbol.asyncIterator]();
  }

  get key(): unknown {
    return this.batch[this.i]![0];
  }

  get values(): unknown[] {
    return this.batch[this.i]![1];
  }

  /** Moves to the next group within the batch; false when the batch is used up. */
  next(): boolean {
    this.i++;
    return this.i < this.batch.length;
  }

  async fill(): Promise<void> {
    while (!this.done && this.i >= this.batch.length) {
      const r = await this.it.next();
      if (r.done) this.done = true;
      else {
        this.batch = r.value as [unknown, unknown[]][];
        this.i = 0;
      }
    }
  }

  async close(): Promise<void> {
    await this.it.return?.();
  }
}

/** Groups a partition's pairs by key and yields them sorted by key. */
async function* sortedGroups(input: AsyncIterable<unknown[]>): AsyncGenerator<unknown[]> {
  const groups = new Map<unknown, [unknown, unknown[]]>();
  for await (const b of input) {
    for (const kv of b as [unknown, unknown][]) {
      const t = keyToken(kv[0]);
      const g = groups.get(t);
      if (g) g[1].push(kv[1]);
      else groups.set(t, [kv[0], [kv[1]]]);
    }
  }
  const sorted = [...groups.values()].sort((a, b) => compareKeys(a[0], b[0]));
  for (let i = 0; i < sorted.length; i += BATCH_SIZE) yield sorted.slice(i, i + BATCH_SIZE);
}
