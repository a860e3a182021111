import { join } from 'node:path';
import { MemoryBudget, readLocalShuffleBlock, readShuffleInput, writeShuffleOutput, type MapOutput } from '../shuffle/index.js';
import { partitionerFromSpec } from '../partitioner.js';
import type { ShuffleReadSource, StageBinary } from '../rdd/spec.js';
import { buildAggregator } from './aggregators.js';
import type { TaskRun } from './task-run.js';

/**
 * The executor's use of the shuffle (src/core/shuffle, see
 * docs/internals/engine-contracts.md): a map task writes one data + index
 * file; a reduce task reads its range of every map output. Local mode reads
 * the files directly; the cluster backend will fetch remote blocks.
 */
export function shuffleDir(run: TaskRun): string {
  return join(run.state.options.localDir, 'shuffle');
}

export async function writeShuffle(
  records: AsyncIterable<unknown[]>,
  write: NonNullable<StageBinary['shuffleWrite']>,
  run: TaskRun,
): Promise<MapOutput> {
  const aggregator = write.aggregator ? await buildAggregator(write.aggregator, run.state) : undefined;
  return writeShuffleOutput(records as AsyncIterable<[unknown, unknown][]>, {
    shuffleId: write.shuffleId,
    mapId: run.task.partition.index,
    partitioner: partitionerFromSpec(write.partitioner),
    ...(aggregator ? { aggregator } : {}),
    ...(write.sortKeys ? { sortKeys: write.sortKeys } : {}),
    dir: shuffleDir(run),
    memory: new MemoryBudget(run.state.options.taskMemoryBytes),
  });
}

export async function* readShuffle(read: ShuffleReadSource, reduceId: number, run: TaskRun): AsyncGenerator<unknown[]> {
  const aggregator = read.aggregator ? await buildAggregator(read.aggregator, run.state) : undefined;
  const blocks = read.mapOutputs.map((out) => readLocalShuffleBlock(out, reduceId));
  const metrics = { recordsRead: 0, spillCount: 0, spillBytes: 0 };
  try {
    yield* readShuffleInput(blocks, {
      ...(aggregator ? { aggregator } : {}),
      mapSideCombined: read.mapSideCombined,
      // map tasks of a sorted shuffle wrote sorted blocks: the reducer only merges
      ...(read.sortKeys ? { sortKeys: read.sortKeys, inputsSorted: read.mapSideSorted === true } : {}),
      dir: shuffleDir(run),
      memory: new MemoryBudget(run.state.options.taskMemoryBytes),
      metrics,
    });
  } finally {
    run.read.recordsRead += metrics.recordsRead;
    run.read.spillCount += metrics.spillCount;
    run.read.spillBytes += metrics.spillBytes;
  }
}
