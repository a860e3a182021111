import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SparkContext } from '../../../../src/core/context.js';
import { expectSameMultiset, testContext } from './helpers.js';

let sc: SparkContext;
let dir: string;
beforeAll(async () => {
  sc = testContext('local[2]');
  dir = await mkdtemp(join(tmpdir(), 'tspark-text-'));
});
afterAll(async () => {
  await sc.stop();
  await rm(dir, { recursive: true, force: true });
});

describe('text sources', () => {
  it('textFile returns every line exactly once whatever the number of splits', async () => {
    const lines = Array.from({ length: 5000 }, (_, i) => `line ${i} ${'x'.repeat(i % 37)}`);
    const file = join(dir, 'lines.txt');
    await writeFile(file, lines.join('\n') + '\n');
    for (const parts of [1, 3, 17]) {
      const rdd = sc.textFile(file, parts);
      expect(await rdd.getNumPartitions()).toBeGreaterThanOrEqual(parts);
      expect(await rdd.collect()).toEqual(lines);
    }
  });

  it('reads directories, gzip files and CRLF endings', async () => {
    const sub = join(dir, 'in');
    await mkdir(sub);
    await writeFile(join(sub, 'a.txt'), 'a1\r\na2\r\n');
    await writeFile(join(sub, 'b.txt.gz'), gzipSync('b1\nb2\nb3'));
    await writeFile(join(sub, '_ignored'), 'hidden\n');
    expectSameMultiset(await sc.textFile(sub, 4).collect(), ['a1', 'a2', 'b1', 'b2', 'b3']);
  });

  it('wholeTextFiles pairs each file with its content', async () => {
    const sub = join(dir, 'whole');
    await mkdir(sub);
    const files: Record<string, string> = { 'x.txt': 'hello\nworld\n', 'y.txt': '', 'z.txt': 'z' };
    for (const [n, c] of Object.entries(files)) await writeFile(join(sub, n), c);
    const got = await sc.wholeTextFiles(sub, 2).collect();
    expect(new Map(got.map(([p, c]) => [p.split('/').pop(), c]))).toEqual(new Map(Object.entries(files)));
  });

  it('a missing input fails the action with a not-found error naming the path', async () => {
    await expect(sc.textFile(join(dir, 'nope.txt')).count()).rejects.toThrow(/nope\.txt/);
  });
});
