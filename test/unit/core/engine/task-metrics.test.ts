import { readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SparkContext } from '../../../../src/core/context.js';
import { tempDir } from '../../../support/temp-dir.js';
import { testContext } from './helpers.js';

/** What one job added to the context's totals. */
async function delta<T>(sc: SparkContext, job: () => Promise<T>): Promise<{ result: T; d: Record<string, number> }> {
  const before = sc.taskMetrics() as Record<string, number>;
  const result = await job();
  const after = sc.taskMetrics() as Record<string, number>;
  const d: Record<string, number> = {};
  for (const k of Object.keys(after)) d[k] = after[k]! - (before[k] ?? 0);
  return { result, d };
}

describe('task metrics', () => {
  let sc: SparkContext;
  let text: string;
  let gz: string;
  const lines = Array.from({ length: 20_000 }, (_, i) => `line ${i} ${'x'.repeat(i % 50)}`);

  beforeAll(() => {
    const dir = tempDir('tspark-metrics-');
    text = join(dir, 'input.txt');
    writeFileSync(text, lines.join('\n') + '\n');
    gz = join(dir, 'input.txt.gz');
    writeFileSync(gz, gzipSync(lines.join('\n') + '\n'));
    sc = testContext('local[2]');
  });
  afterAll(() => sc.stop());

  it('count the input bytes a text file was read with', async () => {
    const size = statSync(text).size;
    const one = await delta(sc, () => sc.textFile(text, 1).count());
    expect(one.result).toBe(lines.length);
    expect(one.d.inputBytes).toBe(size);
    expect(one.d.inputRecords).toBe(lines.length);
    // several splits: each reads its range plus the line that crosses its end
    const three = await delta(sc, () => sc.textFile(text, 3).count());
    expect(three.result).toBe(lines.length);
    expect(three.d.inputBytes).toBeGreaterThanOrEqual(size);
    expect(three.d.inputBytes).toBeLessThanOrEqual(size + 2 * 64 * 1024);
  });

  it('count the records and bytes a save wrote, as committed', async () => {
    const out = join(tempDir('tspark-metrics-out-'), 'saved');
    const words = Array.from({ length: 5000 }, (_, i) => `w${i}`);
    const { d } = await delta(sc, () => sc.parallelize(words, 3).saveAsTextFile(out));
    expect(d.outputRecords).toBe(words.length);
    let bytes = 0;
    for (const f of readdirSync(out)) if (f.startsWith('part-')) bytes += statSync(join(out, f)).size;
    expect(bytes).toBe(words.reduce((n, w) => n + w.length + 1, 0));
    expect(d.outputBytes).toBe(bytes);
  });

  it('count compressed input as the bytes of the file, not of the text', async () => {
    const { result, d } = await delta(sc, () => sc.textFile(gz).count());
    expect(result).toBe(lines.length);
    expect(d.inputBytes).toBe(statSync(gz).size);
  });

  it('count every shuffle byte written as read, none of it remote in local mode', async () => {
    const pairs = Array.from({ length: 30_000 }, (_, i) => [`k${i % 997}`, i] as [string, number]);
    const { result, d } = await delta(sc, () => sc.parallelize(pairs, 4).reduceByKey((a, b) => a + b, 3).count());
    expect(result).toBe(997);
    expect(d.shuffleBytesWritten).toBeGreaterThan(0);
    expect(d.shuffleBytesRead).toBe(d.shuffleBytesWritten);
    expect(d.shuffleRemoteBytesRead).toBe(0);
    expect(d.inputBytes).toBe(0);
    expect(d.tasks).toBe(7);
  });

  it('report GC time of tasks that allocate', async () => {
    const { result, d } = await delta(sc, () =>
      sc
        .parallelize(
          Array.from({ length: 4 }, (_, i) => i),
          4,
        )
        .map((seed) => {
          let n = 0;
          for (let i = 0; i < 1_000_000; i++) n += [seed, i, `v${i}`].length;
          return n;
        })
        .reduce((a, b) => a + b),
    );
    expect(result).toBe(12_000_000);
    expect(d.gcMs).toBeGreaterThan(0);
    expect(d.runMs).toBeGreaterThanOrEqual(d.gcMs!);
  });
});
