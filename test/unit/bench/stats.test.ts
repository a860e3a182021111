import { describe, expect, it } from 'vitest';
import { median, rate, speedRatio } from '../../../scripts/bench/stats.js';

describe('stats', () => {
  it('median of odd and even counts, unsorted input, empty', () => {
    expect(median([5, 1, 3])).toBe(3);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([7])).toBe(7);
    expect(median([])).toBeNaN();
  });

  it('ratio is Spark over tspark: above 1 when tspark is faster', () => {
    expect(speedRatio(2, 6)).toBe(3);
    expect(speedRatio(6, 2)).toBeCloseTo(1 / 3);
    expect(speedRatio(0, 2)).toBeNaN();
  });

  it('rate is work per second', () => {
    expect(rate(1000, 4)).toBe(250);
    expect(rate(1000, NaN)).toBeNaN();
  });
});
