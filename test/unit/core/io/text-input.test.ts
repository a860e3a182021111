import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { deflateSync, gzipSync } from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { FileStatus } from '../../../../src/core/io/file-system.js';
import { LocalFileSystem } from '../../../../src/core/io/local-file-system.js';
import {
  computeTextSplits,
  planSplits,
  readTextSplit,
  type FileSplit,
  type InputFile,
} from '../../../../src/core/io/text-input.js';
import { makeTempDir } from './helpers.js';

const MiB = 1024 * 1024;

function file(path: string, length: number, blockSize: number, blocks: InputFile['blocks'] = []): InputFile {
  const status: FileStatus = { path, length, isDirectory: false, modificationTime: 0, blockSize };
  return { status, blocks, splittable: true };
}

/** [start, length] pairs of the splits of one path. */
function ranges(splits: FileSplit[], path: string): [number, number][] {
  return splits.filter((s) => s.path === path).map((s) => [s.start, s.length]);
}

describe('split arithmetic (Hadoop FileInputFormat), expectations worked out by hand', () => {
  it('goalSize = total / minPartitions; the last split absorbs up to 10 % (SPLIT_SLOP)', () => {
    // goal = floor(100/3) = 33; 100/33 > 1.1, 67/33 > 1.1, 34/33 = 1.03 -> last split 34.
    expect(ranges(planSplits([file('f', 100, 32 * MiB)], 3), 'f')).toEqual([
      [0, 33],
      [33, 33],
      [66, 34],
    ]);
  });
  it('the block size caps the split size', () => {
    // goal 500, block 100 -> splitSize 100; 100/100 = 1 -> ten splits of 100.
    const got = ranges(planSplits([file('f', 1000, 100)], 2), 'f');
    expect(got).toEqual(Array.from({ length: 10 }, (_, i) => [i * 100, 100]));
  });
  it('SPLIT_SLOP boundary: 55/50 = 1.1 stays one split, 56/50 = 1.12 does not', () => {
    expect(ranges(planSplits([file('f', 105, 50)], 1), 'f')).toEqual([
      [0, 50],
      [50, 55],
    ]);
    expect(ranges(planSplits([file('f', 106, 50)], 1), 'f')).toEqual([
      [0, 50],
      [50, 50],
      [100, 6],
    ]);
  });
  it('goalSize comes from the total over all files', () => {
    // total 100, minPartitions 4 -> goal 25. A: 30/25 = 1.2 -> [0,25) [25,30). B: 70 -> 25, 25, 20.
    const splits = planSplits([file('A', 30, 32 * MiB), file('B', 70, 32 * MiB)], 4);
    expect(ranges(splits, 'A')).toEqual([
      [0, 25],
      [25, 5],
    ]);
    expect(ranges(splits, 'B')).toEqual([
      [0, 25],
      [25, 25],
      [50, 20],
    ]);
    expect(splits.map((s) => s.path)).toEqual(['A', 'A', 'B', 'B', 'B']);
  });
  it('more partitions than bytes: goal 0 -> minimum split size 1', () => {
    expect(ranges(planSplits([file('f', 3, 32 * MiB)], 10), 'f')).toEqual([
      [0, 1],
      [1, 1],
      [2, 1],
    ]);
  });
  it('an empty file still gets one empty split; minPartitions < 1 counts as 1', () => {
    expect(planSplits([file('e', 0, 32 * MiB)], 0)).toEqual([{ path: 'e', start: 0, length: 0, hosts: [] }]);
    expect(ranges(planSplits([file('f', 10, 32 * MiB)], 0), 'f')).toEqual([[0, 10]]);
  });
  it('an unsplittable file is one split', () => {
    const f = { ...file('f.gz', 1000, 100), splittable: false };
    expect(ranges(planSplits([f], 8), 'f.gz')).toEqual([[0, 1000]]);
  });
  it('hosts are those of the block holding the split start', () => {
    const blocks = [
      { offset: 0, length: 100, hosts: ['h1', 'h2'] },
      { offset: 100, length: 100, hosts: ['h3'] },
      { offset: 200, length: 50, hosts: ['h4'] },
    ];
    const splits = planSplits([file('f', 250, 100, blocks)], 1);
    expect(splits.map((s) => [s.start, s.length, s.hosts])).toEqual([
      [0, 100, ['h1', 'h2']],
      [100, 100, ['h3']],
      [200, 50, ['h4']],
    ]);
  });
  it('invariants over many sizes: contiguous cover, equal pieces, last <= 1.1 x splitSize', () => {
    for (let length = 1; length <= 300; length += 13) {
      for (const minPartitions of [1, 2, 3, 5, 8, 13, 400]) {
        for (const blockSize of [1, 10, 64, 1000]) {
          const splits = planSplits([file('f', length, blockSize)], minPartitions);
          // Independent: splitSize from the formula, then a plain loop over expected cuts.
          const splitSize = Math.max(1, Math.min(Math.floor(length / minPartitions), blockSize));
          let expectedCount = 0;
          let rest = length;
          while (rest / splitSize > 1.1) {
            expectedCount++;
            rest -= splitSize;
          }
          expectedCount++;
          const sizes = splits.map((s) => s.length);
          const starts = splits.map((s) => s.start);
          const expectedStarts = sizes.map((_, i) => sizes.slice(0, i).reduce((a, b) => a + b, 0));
          const ok =
            splits.length === expectedCount &&
            starts.every((s, i) => s === expectedStarts[i]) &&
            sizes.slice(0, -1).every((n) => n === splitSize) &&
            sizes[sizes.length - 1]! <= splitSize * 1.1;
          if (!ok) expect({ length, minPartitions, blockSize, sizes }).toBe('a valid split plan');
          const at = sizes.reduce((a, b) => a + b, 0);
          expect(at).toBe(length);
        }
      }
    }
  });
});

describe('computeTextSplits and readTextSplit on local files', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  beforeEach(async () => ({ dir, cleanup } = await makeTempDir()));
  afterEach(async () => cleanup());

  async function readAllSplits(fs: LocalFileSystem, splits: FileSplit[]): Promise<string[]> {
    const out: string[] = [];
    for (const s of splits) for await (const batch of readTextSplit(fs, s)) out.push(...batch);
    return out;
  }

  it('splits a local file by the 32 MiB local block size and minPartitions', async () => {
    await writeFile(join(dir, 'f.txt'), 'abc\n'.repeat(250)); // 1000 bytes
    const fs = new LocalFileSystem();
    const splits = await computeTextSplits(fs, join(dir, 'f.txt'), 4);
    expect(splits.map((s) => [s.start, s.length])).toEqual([
      [0, 250],
      [250, 250],
      [500, 250],
      [750, 250],
    ]);
    expect(splits.every((s) => s.hosts.length === 1 && s.hosts[0] === 'localhost')).toBe(true);
    expect(splits[0]!.path).toBe(`file:${join(dir, 'f.txt')}`);
    expect(await readAllSplits(fs, splits)).toEqual(Array(250).fill('abc'));
  });

  it('reads gzip files whole, as one split each, streaming', async () => {
    const lines = Array.from({ length: 200_000 }, (_, i) => `line ${i} ünïcode`);
    const text = lines.join('\n') + '\n';
    await writeFile(join(dir, 'big.txt.gz'), gzipSync(text));
    const fs = new LocalFileSystem({ blockSize: 1000 });
    const splits = await computeTextSplits(fs, join(dir, 'big.txt.gz'), 8);
    expect(splits).toHaveLength(1);
    expect(splits[0]!.start).toBe(0);
    const got = await readAllSplits(fs, splits);
    expect(got.length).toBe(lines.length);
    expect(got).toEqual(lines);
  });

  it('reads concatenated gzip members and .deflate files', async () => {
    await writeFile(join(dir, 'multi.gz'), Buffer.concat([gzipSync('a\nb\n'), gzipSync('c\r\nd')]));
    await writeFile(join(dir, 'z.deflate'), deflateSync('x\ny\n'));
    const fs = new LocalFileSystem();
    expect(await readAllSplits(fs, await computeTextSplits(fs, join(dir, 'multi.gz'), 2))).toEqual([
      'a',
      'b',
      'c',
      'd',
    ]);
    expect(await readAllSplits(fs, await computeTextSplits(fs, join(dir, 'z.deflate'), 2))).toEqual([
      'x',
      'y',
    ]);
  });

  it('fails clearly on corrupt gzip and on unsupported codecs', async () => {
    await writeFile(join(dir, 'bad.gz'), Buffer.from('this is not gzip'));
    await writeFile(join(dir, 'x.bz2'), Buffer.from('BZh9'));
    const fs = new LocalFileSystem();
    await expect(readAllSplits(fs, await computeTextSplits(fs, join(dir, 'bad.gz'), 1))).rejects.toThrow(
      /header/,
    );
    await expect(computeTextSplits(fs, join(dir, 'x.bz2'), 1)).rejects.toMatchObject({
      code: 'UNSUPPORTED_COMPRESSION',
    });
  });

  it('yields batches of lines, not single lines', async () => {
    await writeFile(join(dir, 'many.txt'), Array.from({ length: 10_000 }, (_, i) => String(i)).join('\n'));
    const fs = new LocalFileSystem();
    const [split] = await computeTextSplits(fs, join(dir, 'many.txt'), 1);
    const sizes: number[] = [];
    for await (const batch of readTextSplit(fs, split!)) sizes.push(batch.length);
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(10_000);
    expect(sizes.length).toBeLessThan(10);
  });

  it('stops reading and closes the file when the consumer stops early', async () => {
    await writeFile(join(dir, 'early.txt'), 'x\n'.repeat(100_000));
    const opened: Readable[] = [];
    const local = new LocalFileSystem({ readBufferSize: 1024 });
    const fs = Object.create(local) as LocalFileSystem;
    fs.open = async (path, range) => {
      const stream = (await local.open(path, range)) as Readable;
      opened.push(stream);
      return stream;
    };
    const [split] = await computeTextSplits(fs, join(dir, 'early.txt'), 1);
    for await (const batch of readTextSplit(fs, split!)) {
      expect(batch[0]).toBe('x');
      break;
    }
    expect(opened).toHaveLength(1);
    expect(opened[0]!.destroyed).toBe(true);
    expect((opened[0] as Readable & { bytesRead: number }).bytesRead).toBeLessThan(200_000);
  });

  it('reads directories and globs as the set of input files', async () => {
    await mkdir(join(dir, 'in'));
    await writeFile(join(dir, 'in', 'part-00000'), 'a\nb\n');
    await writeFile(join(dir, 'in', 'part-00001'), 'c\n');
    await writeFile(join(dir, 'in', '_SUCCESS'), '');
    await writeFile(join(dir, 'in', '.part-00000.crc'), 'junk\n');
    const fs = new LocalFileSystem();
    expect(await readAllSplits(fs, await computeTextSplits(fs, join(dir, 'in'), 1))).toEqual(['a', 'b', 'c']);
    expect(await readAllSplits(fs, await computeTextSplits(fs, join(dir, 'in', 'part-*'), 1))).toEqual([
      'a',
      'b',
      'c',
    ]);
  });
});
