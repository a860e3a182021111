import { describe, expect, it } from 'vitest';
import { createPrng } from '../../../scripts/bench/prng.js';
import {
  SKEW_KEYS,
  SKEW_ZIPF_EXPONENT,
  skewRecordChunks,
  sortRecordChunks,
  textChunks,
  vocabulary,
  zipfTable,
} from '../../../scripts/bench/datagen.js';

function take<T>(gen: Generator<T>, n: number): T[] {
  const out: T[] = [];
  for (const x of gen) {
    out.push(x);
    if (out.length === n) break;
  }
  return out;
}

describe('prng', () => {
  it('is deterministic per seed and stays in [0, 1)', () => {
    const a = createPrng(7);
    const b = createPrng(7);
    const c = createPrng(8);
    const xs = Array.from({ length: 1000 }, () => a());
    expect(Array.from({ length: 1000 }, () => b())).toEqual(xs);
    expect(Array.from({ length: 1000 }, () => c())).not.toEqual(xs);
    expect(xs.every((x) => x >= 0 && x < 1)).toBe(true);
    const mean = xs.reduce((s, x) => s + x, 0) / xs.length;
    expect(Math.abs(mean - 0.5)).toBeLessThan(0.05);
  });
});

describe('zipfTable', () => {
  it('maps draws to ranks with Zipf frequencies', () => {
    const n = 1000;
    const s = 1.1;
    const table = zipfTable(n, s, 16);
    let harmonic = 0;
    for (let r = 1; r <= n; r++) harmonic += 1 / r ** s;
    const hits = new Array<number>(n).fill(0);
    for (const r of table) hits[r]! += 1;
    for (const rank of [0, 1, 9]) {
      const expected = 1 / (rank + 1) ** s / harmonic;
      expect(Math.abs(hits[rank]! / table.length - expected)).toBeLessThan(0.001);
    }
    // Ranks are non-decreasing along the table and stay in range.
    for (let i = 1; i < table.length; i++) expect(table[i]!).toBeGreaterThanOrEqual(table[i - 1]!);
    expect(table[table.length - 1]).toBeLessThan(n);
  });
});

describe('generated inputs', () => {
  it('vocabulary words are distinct lowercase words', () => {
    const words = vocabulary(5000, createPrng(1));
    expect(new Set(words).size).toBe(5000);
    expect(words.every((w) => /^[a-z]{1,12}$/.test(w))).toBe(true);
  });

  it('text is the same for the same seed, whole lines, skewed like text', () => {
    const [a] = take(textChunks(42), 1);
    const [b] = take(textChunks(42), 1);
    const [c] = take(textChunks(43), 1);
    expect(a).toBe(b);
    expect(a).not.toBe(c);
    expect(a!.endsWith('\n')).toBe(true);
    const counts = new Map<string, number>();
    let total = 0;
    for (const w of a!.split(/\s+/)) {
      if (!w) continue;
      counts.set(w, (counts.get(w) ?? 0) + 1);
      total++;
    }
    const top = Math.max(...counts.values());
    // Zipf(1) over 50,000 words: the top word is about 1/H(50000) ≈ 8.8 % of all words.
    expect(top / total).toBeGreaterThan(0.07);
    expect(top / total).toBeLessThan(0.11);
    expect(counts.size).toBeGreaterThan(10_000);
  });

  it('sort records: exactly n lines of a 10-letter key, a tab and an integer', () => {
    const text = [...sortRecordChunks(5, 120_001)].join('');
    const lines = text.split('\n');
    expect(lines.pop()).toBe('');
    expect(lines).toHaveLength(120_001);
    expect(lines.every((l) => /^[a-z]{10}\t\d+$/.test(l))).toBe(true);
    expect([...sortRecordChunks(5, 10)].join('')).toBe(lines.slice(0, 10).join('\n') + '\n');
  });

  it('skewed records: the hottest key holds its Zipf share', () => {
    const n = 200_000;
    const lines = [...skewRecordChunks(9, n)].join('').split('\n').slice(0, -1);
    expect(lines).toHaveLength(n);
    const hot = lines.filter((l) => l.startsWith('k0\t')).length;
    let harmonic = 0;
    for (let r = 1; r <= SKEW_KEYS; r++) harmonic += 1 / r ** SKEW_ZIPF_EXPONENT;
    expect(Math.abs(hot / n - 1 / harmonic)).toBeLessThan(0.01);
    expect(lines.every((l) => /^k\d+\t\d{1,3}$/.test(l))).toBe(true);
  });
});
