import { keyToken } from '../keys.js';
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
import { applyNarrowOp } from './narrow-ops.js';
import { readShuffle } from './shuffle-adapter.js';
import { readTextSplit } from '../io/text-input.js';
import { decodeFramedStream } from '../serde.js';
import type { TaskRun } from './task-run.js';

/**
 * Rebuilds an RDD's computation on the executor from its spec: the lineage
 * within one stage, ending at shuffle reads or sources.
 */
export function compute(spec: RddSpec, partition: Partition, run: TaskRun): AsyncIterable<unknown[]> {
  if (spec.cache) return cached(spec, partition, run);
  return computeUncached(spec, partition, run);
}

async function* cached(spec: RddSpec, partition: Partition, run: TaskRun): AsyncGenerator<unknown[]> {
  const id = BlockStore.blockId(spec.rddId, partition.index);
  const blocks = run.state.blocks;
  if (blocks.has(id)) {
    yield* blocks.read(id);
    return;
  }
  const batches: unknown[][] = [];
  for await (const b of computeUncached(spec, partition, run)) {
    batches.push(b);
    yield b;
  }
  if (await blocks.put(id, batches, spec.cache!.level as StorageLevelName)) run.cachedBlocks.push({ rddId: spec.rddId, partition: partition.index });
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
      let stream: AsyncIterable<unknown[]> = compute(spec.parent, partition, run);
      for (const op of spec.ops) stream = await applyNarrowOp(op, stream, partition, run.state);
      yield* stream;
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
      yield* readTextSplit(run.state.fileSystem(split.path), split);
      return;
    }
    case 'wholeTextFiles':
      for (const path of (partition as FilesPartition).paths) {
        const fs = run.state.fileSystem(path);
        const chunks: Buffer[] = [];
        for await (const c of await fs.open(path)) chunks.push(Buffer.isBuffer(c) ? c : Buffer.from(c as string));
        yield [[path, Buffer.concat(chunks).toString('utf8')]];
      }
      return;
    case 'objectFile':
      for (const path of (partition as FilesPartition).paths) {
        const fs = run.state.fileSystem(path);
        yield* decodeFramedStream(toBuffers(await fs.open(path)));
      }
      return;
  }
}

async function* toBuffers(stream: NodeJS.ReadableStream): AsyncGenerator<Buffer> {
  for await (const c of stream) yield Buffer.isBuffer(c) ? c : Buffer.from(c as string);
}

/**
 * cogroup: every source's values for a key, side by side, as
 * [key, [values of source 0, values of source 1, ...]]. Held in memory per
 * reduce partition (the shuffle sources arrive grouped already).
 */
async function* cogroup(
  sources: ({ narrow: RddSpec; tag: number } | { shuffle: ShuffleReadSource; tag: number })[],
  arity: number,
  partition: CoGroupPartition,
  run: TaskRun,
): AsyncGenerator<unknown[]> {
  const groups = new Map<unknown, [unknown, unknown[][]]>();
  const entry = (k: unknown): unknown[][] => {
    const t = keyToken(k);
    let g = groups.get(t);
    if (!g) {
      g = [k, Array.from({ length: arity }, () => [])];
      groups.set(t, g);
    }
    return g[1];
  };
  for (let i = 0; i < sources.length; i++) {
    const src = sources[i]!;
    if ('narrow' in src) {
      for await (const b of compute(src.narrow, partition.narrow[i]!, run)) {
        for (const kv of b as [unknown, unknown][]) entry(kv[0])[src.tag]!.push(kv[1]);
      }
    } else {
      for await (const b of readShuffle(src.shuffle, partition.index, run)) {
        for (const kv of b as [unknown, unknown[]][]) {
          const vs = entry(kv[0])[src.tag]!;
          for (const v of kv[1]) vs.push(v);
        }
      }
    }
  }
  let out: unknown[] = [];
  for (const g of groups.values()) {
    out.push(g);
    if (out.length >= BATCH_SIZE) {
      yield out;
      out = [];
    }
  }
  if (out.length > 0) yield out;
}
