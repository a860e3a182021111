/** Test helpers for the shuffle: temp dirs, deterministic data, independent decoders. */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as v8 from 'node:v8';
import type { Aggregator } from '../../../../src/core/shuffle/aggregator.js';

export type Rec = [unknown, unknown];

export function makeTempDir(): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'tspark-shuffle-test-'));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export function listDir(dir: string): string[] {
  return readdirSync(dir).sort();
}

/** Deterministic pseudo-random integers (LCG), so failures reproduce. */
export function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s;
  };
}

export async function* batchesOf<T>(items: readonly T[], size: number): AsyncGenerator<T[]> {
  for (let i = 0; i < items.length; i += size) yield items.slice(i, i + size);
}

export async function collect<T>(stream: AsyncIterable<T[]>): Promise<T[]> {
  const out: T[] = [];
  for await (const b of stream) for (const x of b) out.push(x);
  return out;
}

/** Splits a data file by its index, decoding frames by hand (u32 BE length + v8 payload). */
export function readMapOutputByHand(
  dataPath: string,
  indexPath: string,
): { offsets: number[]; partitions: Rec[][] } {
  const index = readFileSync(indexPath);
  const data = readFileSync(dataPath);
  const offsets: number[] = [];
  for (let i = 0; i < index.length; i += 8) offsets.push(Number(index.readBigInt64BE(i)));
  const partitions: Rec[][] = [];
  for (let p = 0; p + 1 < offsets.length; p++) {
    const recs: Rec[] = [];
    let pos = offsets[p]!;
    while (pos < offsets[p + 1]!) {
      const len = data.readUInt32BE(pos);
      for (const r of v8.deserialize(data.subarray(pos + 4, pos + 4 + len)) as Rec[]) recs.push(r);
      pos += 4 + len;
    }
    if (pos !== offsets[p + 1]) throw new Error(`partition ${p} frames overrun its range`);
    partitions.push(recs);
  }
  return { offsets, partitions };
}

export const sumAggregator: Aggregator<unknown, unknown> = {
  createCombiner: (v) => v,
  mergeValue: (c, v) => (c as number) + (v as number),
  mergeCombiners: (a, b) => (a as number) + (b as number),
};

/** groupByKey's aggregator: lists, mutated in place. */
export const listAggregator: Aggregator<unknown, unknown> = {
  createCombiner: (v) => [v],
  mergeValue: (c, v) => {
    (c as unknown[]).push(v);
    return c;
  },
  mergeCombiners: (a, b) => {
    for (const x of b as unknown[]) (a as unknown[]).push(x);
    return a;
  },
};

/** Plain-JS ordering for the tests' own keys (strings and non-negative integers only). */
export function plainCompare(a: unknown, b: unknown): number {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  if (typeof a === 'string' && typeof b === 'string') return a < b ? -1 : a > b ? 1 : 0;
  throw new Error('plainCompare: unexpected key types');
}
