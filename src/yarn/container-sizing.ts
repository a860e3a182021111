import { ExitCode, TsparkError } from '../errors.js';

/**
 * Container memory arithmetic, as Spark does it on YARN: a container asks for
 * heap + overhead, where the overhead covers everything outside the heap. For
 * a Node process "heap" is V8's old space (--max-old-space-size); the overhead
 * holds Buffers (shuffle and network data live there), native code and Node
 * itself; the worker threads' heaps are split out of the heap. See docs/yarn.md
 * for the arithmetic and why the defaults are what they are.
 */

/** Spark's floor for the overhead (MiB). */
export const MIN_MEMORY_OVERHEAD_MIB = 384;
/** Spark's default overhead factor for JVM processes. */
export const DEFAULT_MEMORY_OVERHEAD_FACTOR = 0.1;
/**
 * What a tspark process holds outside its heap whatever its cores (MiB): Node's own
 * code and data, the main thread's native memory and Buffers (RPC, block server),
 * allocator slack. Measured 71-90 MiB besides the V8 heaps and Buffers, with 2 cores (docs/yarn.md, "Measured").
 */
export const PROCESS_OFF_HEAP_MIB = 128;
/**
 * What each core (task slot) adds outside the heap (MiB): a reduce task's fetched
 * blocks (spark.reducer.maxSizeInFlight, 48 MiB by default), a merge's read-ahead
 * (16 MiB), a spill's write buffer (4 MiB), the worker thread's native memory.
 */
export const PER_CORE_OFF_HEAP_MIB = 80;

export interface ContainerSizeInput {
  /** What the container is for, used in messages: 'driver', 'executor', 'ApplicationMaster'. */
  role: string;
  heapMiB: number;
  /** The explicitly configured overhead, if any. */
  overheadMiB?: number;
  overheadFactor?: number;
  vCores: number;
  /**
   * Task slots the process runs (an executor: its cores; a driver or AM: none). Each adds
   * PER_CORE_OFF_HEAP_MIB to the default overhead.
   */
  taskSlots?: number;
  /** The configuration keys a user changes to resize this container, for messages. */
  memoryKey: string;
  overheadKey: string;
}

export interface ContainerSize {
  role: string;
  heapMiB: number;
  overheadMiB: number;
  /** What YARN is asked for: heap + overhead. */
  memoryMiB: number;
  vCores: number;
  /** The arithmetic in words, for --verbose and error messages. */
  explanation: string;
}

/**
 * The overhead when none is configured: Spark's max(384 MiB, factor x heap), but at
 * least what the process and its task slots hold outside the heap. With worker heaps
 * and cached blocks inside the heap (src/executor/slot-memory.ts) that no longer grows
 * with the heap, so the slots term only matters from 4 slots up.
 */
export function defaultOverheadMiB(heapMiB: number, taskSlots: number, factor: number): number {
  const offHeap = taskSlots > 0 ? PROCESS_OFF_HEAP_MIB + taskSlots * PER_CORE_OFF_HEAP_MIB : 0;
  return Math.max(MIN_MEMORY_OVERHEAD_MIB, Math.ceil(heapMiB * factor), offHeap);
}

export function containerSize(input: ContainerSizeInput): ContainerSize {
  const factor = input.overheadFactor ?? DEFAULT_MEMORY_OVERHEAD_FACTOR;
  const slots = input.taskSlots ?? 0;
  const computed = defaultOverheadMiB(input.heapMiB, slots, factor);
  const overheadMiB = input.overheadMiB ?? computed;
  const slotsWhy = slots > 0 ? `, ${PROCESS_OFF_HEAP_MIB} MiB + ${slots} x ${PER_CORE_OFF_HEAP_MIB} MiB per core` : '';
  const overheadWhy =
    input.overheadMiB !== undefined
      ? `${input.overheadKey}`
      : `max(${MIN_MEMORY_OVERHEAD_MIB} MiB, ${factor} x ${input.heapMiB} MiB${slotsWhy})`;
  return {
    role: input.role,
    heapMiB: input.heapMiB,
    overheadMiB,
    memoryMiB: input.heapMiB + overheadMiB,
    vCores: input.vCores,
    explanation: `${input.heapMiB} MiB heap (${input.memoryKey}) + ${overheadMiB} MiB overhead (${overheadWhy}) = ${input.heapMiB + overheadMiB} MiB`,
  };
}

export class ContainerTooLargeError extends TsparkError {
  constructor(message: string, context: Record<string, number | string>) {
    super('CONTAINER_TOO_LARGE', message, { exitCode: ExitCode.RESOURCES, context });
  }
}

/**
 * Fails fast, before anything is staged, when a container cannot be granted by
 * this cluster (Spark's verifyClusterResources, with the arithmetic shown).
 */
export function checkAgainstMaximum(
  size: ContainerSize,
  maximum: { memory: number; vCores: number },
  keys: { memoryKey: string; overheadKey: string; coresKey: string },
): void {
  if (size.memoryMiB > maximum.memory) {
    throw new ContainerTooLargeError(
      `The ${size.role} container needs ${size.explanation}, above this cluster's maximum container size of ${maximum.memory} MiB ` +
        `(yarn.scheduler.maximum-allocation-mb). Lower ${keys.memoryKey} or ${keys.overheadKey}, or ask the cluster admin to raise the maximum.`,
      { role: size.role, requestedMiB: size.memoryMiB, maximumMiB: maximum.memory },
    );
  }
  if (size.vCores > maximum.vCores) {
    throw new ContainerTooLargeError(
      `The ${size.role} container asks for ${size.vCores} vcores, above this cluster's maximum of ${maximum.vCores} ` +
        `(yarn.scheduler.maximum-allocation-vcores). Lower ${keys.coresKey}.`,
      { role: size.role, requestedVCores: size.vCores, maximumVCores: maximum.vCores },
    );
  }
}
