/**
 * How an executor process divides its memory (--executor-memory, the process's
 * --max-old-space-size) among its task slots.
 *
 * Each slot is a worker thread with its own V8 heap. Without a limit a worker
 * inherits the process's --max-old-space-size, so an executor with C cores
 * could grow C + 1 heaps of the full size, and under shuffle load it does
 * (V8 lets a busy heap grow towards its limit before collecting hard). Here
 * the executor memory H is split so that everything that scales with it stays
 * within it:
 *
 *   main thread   MAIN_THREAD_HEAP_MIB (RPC, stage binaries and broadcasts as bytes)
 *   each slot     share = (H - main) / cores, of which
 *     cached blocks   share x spark.memory.fraction x spark.memory.storageFraction
 *                     (BlockStore keeps them serialized, in Buffers: outside V8's heap,
 *                     but inside the container, so they come out of H)
 *     the worker's V8 heap  the rest: young generation + old generation
 *
 * Of a slot's old generation, SLOT_RESERVED_HEAP_MIB is kept for the engine's
 * and the application's code; `spark.memory.fraction` of the rest is the task's
 * execution memory. The task's shuffle buffers (MemoryBudget) get half of it;
 * the other half is for what a merge holds besides the buffer: one decoded
 * frame per open run, and the merge fan-in is derived from the buffer budget
 * (spill.ts, mergeFanIn), so both halves fit. The remaining 1 - fraction is
 * for what no budget counts: the batches in flight, user objects, the error of
 * the size estimates. See docs/yarn.md ("Memory") for the measurements.
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
/** Share of a task's execution memory its shuffle buffers may hold; the rest is for merging. */
export const BUFFER_SHARE_OF_EXECUTION = 0.5;

const MiB = 1024 * 1024;

export interface SlotMemory {
  /** Worker `resourceLimits.maxOldGenerationSizeMb` (and the V8 flag set for it). */
  oldGenerationMiB: number;
  /** Worker `resourceLimits.maxYoungGenerationSizeMb`. */
  youngGenerationMiB: number;
  /** Shuffle buffer bytes one task may hold before it spills (its MemoryBudget). */
  taskMemoryBytes: number;
  /** Bytes of cached blocks a slot keeps in memory (Buffers, outside the heap). */
  storageMemoryBytes: number;
  /** The slots' heaps, their cached blocks and the main thread's heap together exceed H. */
  oversubscribed: boolean;
}

export interface MemoryFractions {
  /** spark.memory.fraction */
  memoryFraction: number;
  /** spark.memory.storageFraction */
  storageFraction: number;
}

export function slotMemory(heapMiB: number, cores: number, fractions: MemoryFractions): SlotMemory {
  const slots = Math.max(1, cores);
  const share = (heapMiB - MAIN_THREAD_HEAP_MIB) / slots;
  // cached blocks take their share only from what is left above a workable heap
  const minSlotHeap = MIN_YOUNG_GENERATION_MIB + MIN_SLOT_OLD_GENERATION_MIB;
  const storageMiB = Math.max(
    0,
    Math.min(share * fractions.memoryFraction * fractions.storageFraction, share - minSlotHeap),
  );
  const slotHeap = Math.floor(share - storageMiB);
  // an eighth of the slot's heap for the young generation: the old generation keeps the rest
  const youngGenerationMiB = Math.min(
    MAX_YOUNG_GENERATION_MIB,
    Math.max(MIN_YOUNG_GENERATION_MIB, Math.floor(slotHeap / 8)),
  );
  const oldGenerationMiB = Math.max(MIN_SLOT_OLD_GENERATION_MIB, slotHeap - youngGenerationMiB);
  const executionBytes = (oldGenerationMiB - SLOT_RESERVED_HEAP_MIB) * MiB * fractions.memoryFraction;
  return {
    oldGenerationMiB,
    youngGenerationMiB,
    taskMemoryBytes: Math.floor(executionBytes * BUFFER_SHARE_OF_EXECUTION),
    storageMemoryBytes: Math.floor(storageMiB * MiB),
    oversubscribed:
      MAIN_THREAD_HEAP_MIB + slots * (oldGenerationMiB + youngGenerationMiB + storageMiB) > heapMiB + 0.5,
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
  return Math.floor(heapSizeLimitBytes / MiB);
}
