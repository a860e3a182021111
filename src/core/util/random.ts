/**
 * A small seeded generator (mulberry32) for sampling: tasks must draw the
 * same numbers on every attempt, so randomness comes from a seed that travels
 * with the task, never from Math.random.
 */
export class SeededRandom {
  private state: number;

  constructor(seed: number) {
    this.state = (seed ^ 0x9e3779b9) >>> 0;
  }

  /** Uniform in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  nextInt(bound: number): number {
    return Math.floor(this.next() * bound);
  }

  /** Poisson-distributed count with the given mean (Knuth; fine for the small means sampling uses). */
  poisson(mean: number): number {
    if (mean > 30) {
      // normal approximation keeps this O(1) for large fractions
      const u1 = this.next() || Number.MIN_VALUE;
      const u2 = this.next();
      const z = Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
      return Math.max(0, Math.round(mean + z * Math.sqrt(mean)));
    }
    const limit = Math.exp(-mean);
    let k = 0;
    let p = this.next();
    while (p > limit) {
      k++;
      p *= this.next();
    }
    return k;
  }
}

/** Mixes a seed with a partition index so partitions draw independent streams. */
export function partitionSeed(seed: number, partition: number): number {
  return (Math.imul(seed | 0, 0x01000193) ^ Math.imul(partition + 1, 0x5bd1e995)) >>> 0;
}
