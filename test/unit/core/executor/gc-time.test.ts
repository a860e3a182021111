import { describe, expect, it } from 'vitest';
import { startGcStopwatch } from '../../../../src/core/executor/gc-time.js';

describe('startGcStopwatch', () => {
  it("measures the collections of this thread's isolate between start and stop, synchronously", () => {
    const stop = startGcStopwatch();
    // short-lived objects kept reachable in small groups: many young-generation collections
    const live: { a: number; s: string }[] = [];
    for (let i = 0; i < 2_000_000; i++) {
      live.push({ a: i, s: `s${i}` });
      if (live.length > 1000) live.length = 0;
    }
    const ms = stop();
    expect(live.length).toBeLessThanOrEqual(1001);
    expect(ms).toBeTypeOf('number');
    expect(ms!).toBeGreaterThan(0);
  });

  it('reports nothing for a span without allocation', () => {
    const stop = startGcStopwatch();
    let x = 0;
    for (let i = 0; i < 1000; i++) x += i;
    expect(x).toBe(499_500);
    expect(stop()).toBe(0);
  });
});
