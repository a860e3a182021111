import { describe, expect, it } from 'vitest';
import {
  executorHeapMiB,
  MAIN_THREAD_HEAP_MIB,
  SLOT_RESERVED_HEAP_MIB,
  slotMemory,
} from '../../../src/executor/slot-memory.js';

const MiB = 1024 * 1024;

describe('slotMemory', () => {
  it('splits the heap so the main thread and every slot fit in it together', () => {
    for (const heap of [256, 512, 1024, 4096]) {
      for (const cores of [1, 2, 4]) {
        const s = slotMemory(heap, cores, 0.6);
        expect(MAIN_THREAD_HEAP_MIB + cores * (s.oldGenerationMiB + s.youngGenerationMiB), `${heap} MiB, ${cores} cores`).toBeLessThanOrEqual(heap);
        expect(s.oversubscribed).toBe(false);
      }
    }
  });

  it('gives a task half the memory fraction of its old generation less the reserve', () => {
    // 512 MiB, 2 cores: (512 - 32) / 2 = 240 per slot, an eighth young
    const s = slotMemory(512, 2, 0.6);
    expect(s.youngGenerationMiB).toBe(30);
    expect(s.oldGenerationMiB).toBe(210);
    expect(s.taskMemoryBytes).toBe(Math.floor((210 - SLOT_RESERVED_HEAP_MIB) * MiB * 0.3));
    expect(s.storageMemoryBytes).toBe(Math.floor((210 - SLOT_RESERVED_HEAP_MIB) * MiB * 0.3));
  });

  it('caps the young generation at 48 MiB and keeps at least 6 MiB', () => {
    expect(slotMemory(4096, 2, 0.6).youngGenerationMiB).toBe(48);
    // 128 MiB, 2 cores: 48 per slot -> 6 young, 42 old
    const small = slotMemory(128, 2, 0.6);
    expect(small.youngGenerationMiB).toBe(6);
    expect(small.oldGenerationMiB).toBe(42);
  });

  it('says so when the cores need more heap than there is', () => {
    const s = slotMemory(64, 4, 0.6);
    expect(s.oldGenerationMiB).toBe(2 * SLOT_RESERVED_HEAP_MIB);
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
