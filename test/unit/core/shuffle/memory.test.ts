import { describe, expect, it } from 'vitest';
import {
  estimateSize,
  MemoryBudget,
  MemoryReservation,
  SizeSampler,
} from '../../../../src/core/shuffle/memory.js';
import { lcg } from './helpers.js';

describe('MemoryBudget', () => {
  it('grants all or nothing up to the limit, and takes releases back', () => {
    const b = new MemoryBudget(100);
    expect(b.limit).toBe(100);
    expect(b.tryAcquire(60)).toBe(true);
    expect(b.tryAcquire(50)).toBe(false);
    expect(b.used).toBe(60);
    expect(b.tryAcquire(40)).toBe(true);
    expect(b.used).toBe(100);
    b.release(70);
    expect(b.used).toBe(30);
    expect(b.tryAcquire(0)).toBe(true);
    b.release(1000);
    expect(b.used).toBe(0);
  });

  it('rejects a negative or non-numeric limit', () => {
    expect(() => new MemoryBudget(-1)).toThrow(/non-negative/);
    expect(() => new MemoryBudget(Number.NaN)).toThrow(/non-negative/);
  });
});

describe('MemoryReservation', () => {
  it('asks for twice its estimate, falls back to what is missing, then refuses', () => {
    const budget = new MemoryBudget(1000);
    const r = new MemoryReservation(budget);
    r.estimated = 300;
    expect(r.reserve()).toBe(true);
    expect(r.acquired).toBe(600);
    r.estimated = 900;
    expect(r.reserve()).toBe(true); // 2x refused, the missing 300 granted
    expect(budget.used).toBe(900);
    r.estimated = 1001;
    expect(r.reserve()).toBe(false);
    r.releaseAll();
    expect(budget.used).toBe(0);
    expect(r.estimated).toBe(0);
  });
});

describe('estimateSize', () => {
  it('grows with string length and with collection size', () => {
    expect(estimateSize('x'.repeat(1000)) - estimateSize('')).toBe(1000);
    const small = estimateSize([1, 2, 3]);
    const big = estimateSize(Array.from({ length: 3000 }, (_, i) => i));
    expect(big / small).toBeGreaterThan(100);
    expect(estimateSize(Buffer.alloc(5000))).toBeGreaterThanOrEqual(5000);
    expect(estimateSize(new Map([[1, 'a'.repeat(100)]]))).toBeGreaterThan(100);
    expect(estimateSize({ a: 'x'.repeat(500), b: 1 })).toBeGreaterThan(500);
  });

  it('extrapolates a sampled large array within 15% of the sum of its parts', () => {
    const rnd = lcg(7);
    const strings = Array.from({ length: 10_000 }, () => 'y'.repeat(rnd() % 200));
    let exact = 0;
    for (const s of strings) exact += estimateSize(s) + 8;
    const estimate = estimateSize(strings);
    expect(Math.abs(estimate - exact) / exact).toBeLessThan(0.15);
  });

  it('terminates on cyclic structures', () => {
    const a: unknown[] = [];
    a.push(a);
    const o: Record<string, unknown> = {};
    o.self = o;
    expect(estimateSize(a)).toBeGreaterThan(0);
    expect(estimateSize(o)).toBeGreaterThan(0);
  });
});

describe('SizeSampler', () => {
  it('averages close to the true mean record size while sampling a fraction', () => {
    const rnd = lcg(9);
    const s = new SizeSampler();
    let exact = 0;
    const n = 50_000;
    for (let i = 0; i < n; i++) {
      const rec = [`k${i}`, 'v'.repeat(rnd() % 300)];
      exact += estimateSize(rec);
      s.observe(rec);
    }
    expect(Math.abs(s.average - exact / n) / (exact / n)).toBeLessThan(0.05);
  });
});
