import { describe, expect, it } from 'vitest';
import { mapLimited } from '../../../../src/core/io/map-limited.js';

describe('mapLimited', () => {
  it('keeps input order and never exceeds the limit', async () => {
    let inFlight = 0;
    let maxInFlight = 0;
    const items = Array.from({ length: 50 }, (_, i) => i);
    const out = await mapLimited(items, 4, async (i) => {
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      await new Promise((r) => setTimeout(r, (i * 7) % 5));
      inFlight--;
      return i * 2;
    });
    expect(out).toEqual(items.map((i) => i * 2));
    expect(maxInFlight).toBe(4);
  });
  it('rejects with the first error and handles empty input', async () => {
    await expect(
      mapLimited([1, 2, 3], 2, async (i) => (i === 2 ? Promise.reject(new Error('two')) : i)),
    ).rejects.toThrow('two');
    expect(await mapLimited([], 3, async (x) => x)).toEqual([]);
  });
});
