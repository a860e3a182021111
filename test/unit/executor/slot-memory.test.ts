import { describe, expect, it } from 'vitest';
import {
  BUFFER_SHARE_OF_EXECUTION,
  executorHeapMiB,
  MAIN_THREAD_HEAP_MIB,
  MIN_SLOT_OLD_GENERATION_MIB,
  SLOT_RESERVED_HEAP_MIB,
  slotMemory,
} from '../../../src/executor/slot-memory.js';
import { mergeFanIn, MERGE_BYTES_PER_RUN } from '../../../src/core/shuffle/spill.js';

const MiB = 1024 * 1024;
const SPARK_DEFAULTS = { memoryFraction: 0.6, storageFraction: 0.5 };

describe('slotMemory', () => {
  it('splits the executor memory so the main thread, every slot heap and the cached blocks fit in it together', () => {
    for (const heap of [128, 256, 512, 1024, 4096]) {
      for (const cores of [1, 2, 4]) {
        const s = slotMemory(heap, cores, SPARK_DEFAULTS);
        const total =
          MAIN_THREAD_HEAP_MIB + cores * (s.oldGenerationMiB + s.youngGenerationMiB + s.storageMemoryBytes / MiB);
        // every slot needs at least a 6 MiB young and the minimum old generation: below that
        // (128 MiB with 4 cores) nothing can fit, and the split must say so instead
        const fits = heap >= MAIN_THREAD_HEAP_MIB + cores * (6 + MIN_SLOT_OLD_GENERATION_MIB);
        if (fits) expect(total, `${heap} MiB, ${cores} cores`).toBeLessThanOrEqual(heap + 0.5);
        else expect(total, `${heap} MiB, ${cores} cores`).toBeGreaterThan(heap);
        expect(s.oversubscribed, `${heap} MiB, ${cores} cores`).toBe(!fits);
      }
    }
  });

  it("derives a task's buffer budget from its own thread's old generation, not from the process heap", () => {
    // 512 MiB, 2 cores: (512 - 32) / 2 = 240 per slot; cached blocks 0.6 x 0.5 of it = 72 (off-heap);
    // the worker heap 168 = 21 young + 147 old
    const s = slotMemory(512, 2, SPARK_DEFAULTS);
    expect(s.storageMemoryBytes).toBe(72 * MiB);
    expect(s.youngGenerationMiB).toBe(21);
    expect(s.oldGenerationMiB).toBe(147);
    expect(s.taskMemoryBytes).toBe(Math.floor((147 - SLOT_RESERVED_HEAP_MIB) * MiB * 0.6 * BUFFER_SHARE_OF_EXECUTION));
  });

  it("keeps the buffer budget and a merge's decoded frames inside the slot's old generation", () => {
    for (const heap of [128, 256, 512, 1024, 4096]) {
      for (const cores of [1, 2, 4]) {
        const s = slotMemory(heap, cores, SPARK_DEFAULTS);
        const mergeFrames = mergeFanIn(s.taskMemoryBytes) * MERGE_BYTES_PER_RUN;
        const needed = SLOT_RESERVED_HEAP_MIB * MiB + s.taskMemoryBytes + mergeFrames;
        // what is left is for batches in flight and the estimates' error: at least 15 % of the old generation
        expect(needed, `${heap} MiB, ${cores} cores`).toBeLessThanOrEqual(s.oldGenerationMiB * MiB * 0.85);
      }
    }
  });

  it('follows spark.memory.fraction and spark.memory.storageFraction', () => {
    const base = slotMemory(1024, 2, SPARK_DEFAULTS);
    const lower = slotMemory(1024, 2, { memoryFraction: 0.3, storageFraction: 0.5 });
    expect(lower.taskMemoryBytes).toBeLessThan(base.taskMemoryBytes);
    const noCache = slotMemory(1024, 2, { memoryFraction: 0.6, storageFraction: 0 });
    expect(noCache.storageMemoryBytes).toBe(0);
    expect(noCache.oldGenerationMiB).toBeGreaterThan(base.oldGenerationMiB);
    expect(noCache.taskMemoryBytes).toBeGreaterThan(base.taskMemoryBytes);
  });

  it('caps the young generation at 48 MiB and keeps at least 6 MiB', () => {
    expect(slotMemory(4096, 2, SPARK_DEFAULTS).youngGenerationMiB).toBe(48);
    // 128 MiB, 2 cores: 48 per slot; cached blocks get only what is above 6 + 32
    const small = slotMemory(128, 2, SPARK_DEFAULTS);
    expect(small.youngGenerationMiB).toBe(6);
    expect(small.oldGenerationMiB).toBe(MIN_SLOT_OLD_GENERATION_MIB);
    expect(small.storageMemoryBytes).toBe(10 * MiB);
  });

  it('says so when the cores need more heap than there is', () => {
    const s = slotMemory(64, 4, SPARK_DEFAULTS);
    expect(s.oldGenerationMiB).toBe(MIN_SLOT_OLD_GENERATION_MIB);
    expect(s.storageMemoryBytes).toBe(0);
    expect(s.oversubscribed).toBe(true);
    expect(s.taskMemoryBytes).toBeGreaterThan(0);
  });
});

describe('executorHeapMiB', () => {
  it('reads the launcher flag, the last one winning', () => {
    expect(executorHeapMiB(['--enable-source-maps', '--max-old-space-size=300', '--max-old-space-size=384'], 999 * MiB)).toBe(384);
  });

  it("falls back to V8's limit without the flag", () => {
    expect(executorHeapMiB(['--enable-source-maps'], 2048 * MiB)).toBe(2048);
  });
});
