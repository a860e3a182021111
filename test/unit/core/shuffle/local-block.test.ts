import { rmSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { HashPartitioner } from '../../../../src/core/partitioner.js';
import { readLocalShuffleBlock, ShuffleBlockError } from '../../../../src/core/shuffle/local-block.js';
import { MemoryBudget } from '../../../../src/core/shuffle/memory.js';
import { writeShuffleOutput } from '../../../../src/core/shuffle/writer.js';
import { batchesOf, makeTempDir, type Rec } from './helpers.js';

let tmp: { dir: string; cleanup: () => void };
beforeEach(() => {
  tmp = makeTempDir();
});
afterEach(() => tmp.cleanup());

async function drain(stream: AsyncIterable<Buffer>): Promise<number> {
  let bytes = 0;
  for await (const chunk of stream) bytes += chunk.length;
  return bytes;
}

async function mapOutput() {
  const records: Rec[] = Array.from({ length: 1000 }, (_, i) => [`k${i % 37}`, i]);
  return writeShuffleOutput(batchesOf(records, 100), {
    shuffleId: 3,
    mapId: 0,
    partitioner: new HashPartitioner(2),
    dir: tmp.dir,
    memory: new MemoryBudget(1 << 20),
  });
}

// A lost map output must surface as ShuffleBlockError (which the executor turns into a fetch
// failure that reruns the map stage), never as a plain I/O error counted against the task.
describe('reading a map output from local disk', () => {
  it('reads the bytes the index promises', async () => {
    const out = await mapOutput();
    expect(await drain(readLocalShuffleBlock(out, 0))).toBe(out.partitionLengths[0]);
    expect(await drain(readLocalShuffleBlock(out, 1))).toBe(out.partitionLengths[1]);
  });

  it('a missing data file is a ShuffleBlockError naming the file', async () => {
    const out = await mapOutput();
    rmSync(out.dataPath);
    const err = await drain(readLocalShuffleBlock(out, 1)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ShuffleBlockError);
    expect((err as Error).message).toContain(out.dataPath);
    expect((err as Error).message).toContain('must be rerun');
  });

  it('a missing index file is a ShuffleBlockError', async () => {
    const out = await mapOutput();
    rmSync(out.indexPath);
    await expect(drain(readLocalShuffleBlock(out, 0))).rejects.toBeInstanceOf(ShuffleBlockError);
  });
});
