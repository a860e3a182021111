import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as v8 from 'node:v8';
import { gzipSync } from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { FileStatus } from '../../../../src/core/io/file-system.js';
import { listInputFiles } from '../../../../src/core/io/glob.js';
import { LocalFileSystem } from '../../../../src/core/io/local-file-system.js';
import { readObjectFile, writeObjectPartition } from '../../../../src/core/io/object-file.js';
import { FileOutputCommitter } from '../../../../src/core/io/output-committer.js';
import {
  computeWholeFileSplits,
  planWholeFileSplits,
  readWholeTextFiles,
} from '../../../../src/core/io/whole-text-files.js';
import { makeTempDir } from './helpers.js';

let dir: string;
let cleanup: () => Promise<void>;
beforeEach(async () => ({ dir, cleanup } = await makeTempDir()));
afterEach(async () => cleanup());
const fs = new LocalFileSystem();

function status(path: string, length: number): FileStatus {
  return { path, length, isDirectory: false, modificationTime: 0, blockSize: 1 << 25 };
}

async function* once<T>(...batches: T[][]): AsyncGenerator<T[]> {
  for (const b of batches) yield b;
}

describe('wholeTextFiles', () => {
  it('groups files into about total/minPartitions bytes, never splitting a file', () => {
    // total 100, minPartitions 3 -> max split ceil(100/3) = 34: [a40], [b10 c30], [d20].
    const files = [status('a', 40), status('b', 10), status('c', 30), status('d', 20)];
    expect(planWholeFileSplits(files, 3)).toEqual([
      { paths: ['a'], length: 40 },
      { paths: ['b', 'c'], length: 40 },
      { paths: ['d'], length: 20 },
    ]);
    expect(planWholeFileSplits(files, 1)).toEqual([{ paths: ['a', 'b', 'c', 'd'], length: 100 }]);
    // Empty files never fill a split (max split size is at least 1 byte): one partition.
    expect(planWholeFileSplits([status('e', 0), status('f', 0)], 2)).toEqual([
      { paths: ['e', 'f'], length: 0 },
    ]);
  });

  it('yields [qualified path, content] per file, decompressing .gz', async () => {
    await mkdir(join(dir, 'in'));
    await writeFile(join(dir, 'in', 'a.txt'), 'alpha\r\nü');
    await writeFile(join(dir, 'in', 'b.txt.gz'), gzipSync('beta\n'));
    await writeFile(join(dir, 'in', '_SUCCESS'), '');
    const splits = await computeWholeFileSplits(fs, join(dir, 'in'), 1);
    const records: [string, string][] = [];
    for (const s of splits) for await (const b of readWholeTextFiles(fs, s)) records.push(...b);
    expect(records).toEqual([
      [`file:${join(dir, 'in', 'a.txt')}`, 'alpha\r\nü'],
      [`file:${join(dir, 'in', 'b.txt.gz')}`, 'beta\n'],
    ]);
  });
});

describe('object files', () => {
  const records = [
    1,
    'two',
    10n ** 30n,
    new Date(0),
    new Map<unknown, unknown>([['k', [1, 2]]]),
    new Set(['s']),
    { nested: { a: [null, undefined, -0] } },
    new Uint8Array([1, 2, 3]),
  ];

  it('stores one frame per batch: u32 big-endian length, then v8.serialize(batch)', async () => {
    const path = join(dir, 'one');
    const result = await writeObjectPartition(fs, path, once(records));
    const bytes = await readFile(path);
    expect(bytes.readUInt32BE(0)).toBe(bytes.length - 4);
    expect(v8.deserialize(bytes.subarray(4))).toEqual(records);
    expect(result).toEqual({ recordsWritten: records.length, bytesWritten: bytes.length });
  });

  it('round-trips through the output committer and objectFile reading', async () => {
    const out = join(dir, 'objects');
    const c = new FileOutputCommitter(fs, out, 'job7');
    await c.setupJob();
    const partitions = [[records.slice(0, 3), records.slice(3)], [], [[42]]];
    for (let p = 0; p < partitions.length; p++) {
      await writeObjectPartition(fs, c.taskAttemptPath(p, 0), once(...partitions[p]!));
      await c.commitTask(p, 0);
    }
    await c.commitJob();
    const files = await listInputFiles(fs, out);
    expect(files.map((f) => f.path.slice(-10))).toEqual(['part-00000', 'part-00001', 'part-00002']);
    const back: unknown[][] = [];
    for (const f of files) {
      const recs: unknown[] = [];
      for await (const b of readObjectFile(fs, f.path)) recs.push(...b);
      back.push(recs);
    }
    expect(back).toEqual(partitions.map((batches) => batches.flat()));
  });

  it('reports a truncated object file', async () => {
    const path = join(dir, 'cut');
    await writeObjectPartition(fs, path, once(records));
    const bytes = await readFile(path);
    await writeFile(path, bytes.subarray(0, bytes.length - 3));
    const read = async () => {
      for await (const _ of readObjectFile(fs, path)) void _;
    };
    await expect(read()).rejects.toMatchObject({ code: 'CORRUPT_STREAM' });
  });
});
