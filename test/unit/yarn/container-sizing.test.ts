import { describe, expect, it } from 'vitest';
import { checkAgainstMaximum, containerSize, ContainerTooLargeError } from '../../../src/yarn/container-sizing.js';
import { ExitCode } from '../../../src/errors.js';

const executorKeys = { memoryKey: 'spark.executor.memory', overheadKey: 'spark.executor.memoryOverhead' };
const keys = { ...executorKeys, coresKey: 'spark.executor.cores' };

describe('container sizing', () => {
  it('uses the 384 MiB floor for small heaps', () => {
    const s = containerSize({ role: 'executor', heapMiB: 410, vCores: 1, ...executorKeys });
    expect(s.overheadMiB).toBe(384);
    expect(s.memoryMiB).toBe(794);
  });
  it('uses 10 % of the heap above 3840 MiB, rounded up', () => {
    const s = containerSize({ role: 'executor', heapMiB: 8000, vCores: 2, ...executorKeys });
    expect(s.overheadMiB).toBe(800);
    const t = containerSize({ role: 'executor', heapMiB: 4097, vCores: 2, ...executorKeys });
    expect(t.overheadMiB).toBe(410);
  });
  it('adds per-slot off-heap room to an executor from 4 cores up', () => {
    const exec = (heapMiB: number, cores: number, overheadMiB?: number) =>
      containerSize({
        role: 'executor',
        heapMiB,
        vCores: cores,
        taskSlots: cores,
        ...(overheadMiB === undefined ? {} : { overheadMiB }),
        ...executorKeys,
      });
    // 128 MiB for the process + 80 MiB per core: 448 MiB at 4 cores, below the floor at 3
    expect(exec(1024, 3).overheadMiB).toBe(384);
    expect(exec(1024, 4).overheadMiB).toBe(448);
    const eight = exec(2048, 8);
    expect(eight.overheadMiB).toBe(768);
    expect(eight.explanation).toContain('128 MiB + 8 x 80 MiB per core');
    // the factor still wins for large heaps
    expect(exec(16384, 8).overheadMiB).toBe(1639);
    // an explicit overhead is taken as is
    expect(exec(1024, 8, 200).overheadMiB).toBe(200);
  });
  it('adds no per-slot room to a driver or AM, whatever its cores', () => {
    const driver = containerSize({ role: 'driver', heapMiB: 1024, vCores: 8, ...executorKeys });
    expect(driver.overheadMiB).toBe(384);
    expect(driver.explanation).not.toContain('per core');
  });
  it('honours an explicit overhead and factor', () => {
    expect(containerSize({ role: 'executor', heapMiB: 1024, overheadMiB: 100, vCores: 1, ...executorKeys }).memoryMiB).toBe(1124);
    expect(containerSize({ role: 'executor', heapMiB: 4000, overheadFactor: 0.4, vCores: 1, ...executorKeys }).overheadMiB).toBe(1600);
  });
  it('rejects a container above the cluster maximum with the arithmetic in the message', () => {
    const s = containerSize({ role: 'executor', heapMiB: 2048, vCores: 1, ...executorKeys });
    let caught: unknown;
    try {
      checkAgainstMaximum(s, { memory: 2048, vCores: 4 }, keys);
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(ContainerTooLargeError);
    const err = caught as ContainerTooLargeError;
    expect(err.exitCode).toBe(ExitCode.RESOURCES);
    expect(err.message).toContain('2048 MiB heap (spark.executor.memory) + 384 MiB overhead');
    expect(err.message).toContain('= 2432 MiB');
    expect(err.message).toContain('maximum container size of 2048 MiB');
    expect(err.message).toContain('Lower spark.executor.memory or spark.executor.memoryOverhead');
  });
  it('rejects too many vcores', () => {
    const s = containerSize({ role: 'executor', heapMiB: 512, vCores: 8, ...executorKeys });
    expect(() => checkAgainstMaximum(s, { memory: 8192, vCores: 4 }, keys)).toThrow(/8 vcores.*maximum of 4.*spark\.executor\.cores/);
  });
  it('accepts a container exactly at the maximum', () => {
    // 576 + (128 + 4 x 80) = 1024
    const s = containerSize({ role: 'executor', heapMiB: 576, vCores: 4, taskSlots: 4, ...executorKeys });
    expect(() => checkAgainstMaximum(s, { memory: 1024, vCores: 4 }, keys)).not.toThrow();
  });
});
