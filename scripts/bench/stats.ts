// Medians, ratios and rates of the timed runs.

export function median(values: readonly number[]): number {
  if (values.length === 0) return NaN;
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** Spark's time over tspark's: above 1 means tspark was faster. */
export function speedRatio(tsparkSeconds: number, sparkSeconds: number): number {
  return tsparkSeconds > 0 ? sparkSeconds / tsparkSeconds : NaN;
}

/** Work per second (MB per second for bytes in MiB, tasks per second for tasks). */
export function rate(work: number, seconds: number): number {
  return seconds > 0 ? work / seconds : NaN;
}
