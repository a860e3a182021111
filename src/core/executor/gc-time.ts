import v8 from 'node:v8';

/**
 * Garbage-collection time while a task runs, for task metrics (Spark's jvmGCTime).
 * Each worker thread is its own isolate, and a GC profiler sees the collections of
 * the isolate it was started in, so a task's reading covers the thread that ran it
 * (one task at a time per thread). v8.GCProfiler reports synchronously at stop();
 * perf_hooks' gc entries arrive only after the event loop turns, which a task that
 * never leaves its microtasks would not see.
 */
export type GcStopwatch = () => number | undefined;

/** Starts measuring; the returned function stops and gives the milliseconds spent in GC (undefined where not measurable). */
export function startGcStopwatch(): GcStopwatch {
  let profiler: v8.GCProfiler;
  try {
    profiler = new v8.GCProfiler();
    profiler.start();
  } catch {
    return () => undefined;
  }
  return () => {
    const report = profiler.stop() as { statistics?: { cost: number }[] } | undefined;
    if (!report?.statistics) return undefined;
    let micros = 0;
    for (const s of report.statistics) micros += s.cost;
    return micros / 1000;
  };
}
