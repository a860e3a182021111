/**
 * How an executor process divides its heap (--executor-memory, the process's
 * --max-old-space-size) among its task slots.
 *
 * Each slot is a worker thread with its own V8 heap. Without limits a worker
 * inherits the process's --max-old-space-size, so an executor with C cores
 * could grow C + 1 heaps of the full size, and under shuffle load it does:
 * V8 lets a busy heap grow towards its limit before collecting hard (measured:
 * two workers of a 128 MiB executor committed 150 MiB each). Here the heap is
 * split so that the threads' heap limits together stay within it:
 *
 *   main thread   MAIN_THREAD_HEAP_MIB (RPC, stage binaries and broadcasts as bytes)
 *   each slot     (heap - main) / cores = young generation + old generation
 *
 * Of a slot's old generation, SLOT_RESERVED_HEAP_MIB is kept for the engine's
 * and the application's code and objects (as Spark reserves 300 MiB of a JVM
 * heap); `spark.memory.fraction` of the rest is shared half and half by the
 * task's shuffle buffers and the slot's cached blocks, Spark's static split
 * with spark.memory.storageFraction = 0.5. The other half is not idle: a spill
 * briefly holds a buffer's records twice (sorted tuples, then serialized
 * frames), measured to overrun a 36 MiB old generation with a budget of 60 %
 * of it. See docs/yarn.md ("Memory") for the measurements.
 */

/** What the executor's main thread keeps for itself (measured: 12 MiB committed under load). */
export const MAIN_THREAD_HEAP_MIB = 32;
/** V8's largest default young generation on 64-bit; slots never get more. */
const MAX_YOUNG_GENERATION_MIB = 48;
/** Below this a young generation collects so often that tasks crawl. */
const MIN_YOUNG_GENERATION_MIB = 6;
/**
 * What a worker's old generation holds before any task data: the engine's and the
 * application's code and objects (measured: 10-12 MiB committed on an idle worker).
 */
export const SLOT_RESERVED_HEAP_MIB = 16;
/** The smallest old generation a slot gets, even if the slots then exceed the heap together. */
export const MIN_SLOT_OLD_GENERATION_MIB = 2 * SLOT_RESERVED_HEAP_MIB;

export interface SlotMemory {
  /** Worker `resourceLimits.maxOldGenerationSizeMb`. */
  oldGenerationMiB: number;
  /** Worker `resourceLimits.maxYoungGenerationSizeMb`. */
  youngGenerationMiB: number;
  /** Shuffle buffer bytes one task may hold before it spills. */
  taskMemoryBytes: number;
  /** Bytes of cached blocks a slot keeps in memory. */
  storageMemoryBytes: number;
  /** The slots' heaps and the main thread's together exceed `heapMiB` (too many cores for the heap). */
  oversubscribed: boolean;
}

export function slotMemory(heapMiB: number, cores: number, memoryFraction: number): SlotMemory {
  const perSlot = Math.floor((heapMiB - MAIN_THREAD_HEAP_MIB) / Math.max(1, cores));
  // an eighth of the slot for the young generation: the old generation keeps the rest
  const youngGenerationMiB = Math.min(
    MAX_YOUNG_GENERATION_MIB,
    Math.max(MIN_YOUNG_GENERATION_MIB, Math.floor(perSlot / 8)),
  );
  const oldGenerationMiB = Math.max(MIN_SLOT_OLD_GENERATION_MIB, perSlot - youngGenerationMiB);
  const usableBytes = (oldGenerationMiB - SLOT_RESERVED_HEAP_MIB) * 1024 * 1024;
  return {
    oldGenerationMiB,
    youngGenerationMiB,
    taskMemoryBytes: Math.floor(usableBytes * memoryFraction * 0.5),
    storageMemoryBytes: Math.floor(usableBytes * memoryFraction * 0.5),
    oversubscribed: MAIN_THREAD_HEAP_MIB + cores * (oldGenerationMiB + youngGenerationMiB) > heapMiB,
  };
}

/**
 * The executor's heap in MiB: the --max-old-space-size its launcher gave this
 * process (YARN's launch context and local-cluster both do), else V8's limit.
 */
export function executorHeapMiB(execArgv: readonly string[], heapSizeLimitBytes: number): number {
  for (let i = execArgv.length - 1; i >= 0; i--) {
    const m = /^--max-old-space-size=(\d+)$/.exec(execArgv[i]!);
    if (m) return Number(m[1]);
  }
  return Math.floor(heapSizeLimitBytes / (1024 * 1024));
}
