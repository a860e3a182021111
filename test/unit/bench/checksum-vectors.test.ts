import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { entryHash, keyHash } from '../../../scripts/bench/checksum.js';
import { addToCountSummary, emptyCountSummary } from '../../../scripts/bench/summary.js';

// Computed by the Java side (Check.java); see test/fixtures/bench/README.md.
const vectors = JSON.parse(
  readFileSync(new URL('../../fixtures/bench/check-vectors.json', import.meta.url), 'utf8'),
) as {
  keyHash: [string, number][];
  entryHash: [number, number, number][];
  summary: { distinct: number; total: number; checksum: number; top: [string, number][] };
};

describe('checksums agree with the Spark-side Java code', () => {
  it.each(vectors.keyHash)('keyHash(%j)', (key, expected) => {
    expect(keyHash(key)).toBe(expected);
  });

  it('entryHash for every key and value pair', () => {
    expect(vectors.entryHash.length).toBeGreaterThan(50);
    for (const [hash, value, expected] of vectors.entryHash) expect(entryHash(hash, value)).toBe(expected);
  });

  it('a count summary of the same entries', () => {
    const keys = vectors.keyHash.map(([k]) => k);
    const values = [0, 1, 127, 128, 999, 1_000_000, 2 ** 31 - 1, 2_000_000_000_000, -5];
    const s = emptyCountSummary();
    keys.forEach((k, i) => addToCountSummary(s, k, values[i]!));
    expect(s).toEqual(vectors.summary);
  });
});
