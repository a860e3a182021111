import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { Worker, type MessagePort } from 'node:worker_threads';
import { setFlagsFromString } from 'node:v8';
import type { Logger } from '../log.js';
import type {
  ExecutorBlockManagerOptions,
  ExecutorOptionsWithBlockManager,
} from '../core/executor/shuffle-adapter.js';
import type { FromWorker, ToWorker } from '../core/scheduler/local/worker-protocol.js';
import { locateWorkerScript, type WorkerScript } from '../core/scheduler/local/worker-script.js';
import type { TaskSlotEvents, TaskSlots } from './task-slots.js';

/**
 * An executor's task slots as worker threads, each running the engine's own
 * worker entry (the one local mode uses), so a task runs the same code path
 * on a cluster as on a laptop. Each worker has its own ExecutorState: its own
 * rebuilt functions, broadcast copies and accumulator updates, which is what
 * lets tasks run side by side. Stage binaries and broadcasts are kept here
 * as bytes and sent to a worker before its first task that needs them.
 */

export interface WorkerPoolOptions {
  cores: number;
  executorId: string;
  conf: Record<string, string>;
  /** This executor's directory: one subdirectory per worker. */
  localDir: string;
  taskMemoryBytes: number;
  storageMemoryBytes: number;
  logger: Logger;
  /**
   * This executor's block server and the application secret, handed to each
   * task thread in workerData (a copy in this process's memory, never in the
   * configuration or a log): tasks fetch remote shuffle blocks themselves.
   */
  blockManager?: ExecutorBlockManagerOptions;
  /** A port to the executor's one cache for each task thread (block-manager.ts); without it each thread caches alone. */
  cachePort?: () => MessagePort;
  /** Each worker's V8 heap limits (slot-memory.ts); without them a worker may grow the process's whole heap. */
  slotHeap?: { oldGenerationMiB: number; youngGenerationMiB: number };
}

/** Why a worker died, in words a user can act on when it ran out of heap. */
export function crashReason(err: Error, heap: WorkerPoolOptions['slotHeap']): string {
  if ((err as NodeJS.ErrnoException).code === 'ERR_WORKER_OUT_OF_MEMORY') {
    const size = heap ? ` of ${heap.oldGenerationMiB} MiB` : '';
    return (
      `ran out of its heap${size} (${err.message}): the executor's memory is split among its task slots; ` +
      'raise spark.executor.memory, lower spark.executor.cores, or lower spark.memory.fraction so tasks spill earlier'
    );
  }
  return `crashed: ${err.message}`;
}

/** A task slot's own directory under the executor's. */
export function slotDir(localDir: string, index: number): string {
  return join(localDir, `slot-${index}`);
}

/** Where the tasks of each slot write shuffle output (the block server looks there). */
export function slotShuffleDirs(localDir: string, cores: number): string[] {
  return Array.from({ length: cores }, (_, i) => join(slotDir(localDir, i), 'shuffle'));
}

interface Slot {
  worker: Worker;
  /** Task ids in launch order: a worker runs its tasks one at a time, in order. */
  queue: number[];
  binaries: Set<number>;
  broadcasts: Set<number>;
}

export class WorkerThreadPool implements TaskSlots {
  private readonly slots: Slot[] = [];
  private readonly binaries = new Map<number, Uint8Array>();
  private readonly broadcasts = new Map<number, Uint8Array>();
  private stopping = false;

  private constructor(
    private readonly options: WorkerPoolOptions,
    private readonly events: TaskSlotEvents,
    private readonly script: WorkerScript,
  ) {}

  static async start(options: WorkerPoolOptions, events: TaskSlotEvents): Promise<WorkerThreadPool> {
    const pool = new WorkerThreadPool(options, events, await locateWorkerScript());
    for (let i = 0; i < options.cores; i++) await pool.startWorker(i);
    return pool;
  }

  get cores(): number {
    return this.options.cores;
  }

  get running(): number {
    return this.slots.reduce((n, s) => n + s.queue.length, 0);
  }

  private async startWorker(index: number): Promise<void> {
    const localDir = slotDir(this.options.localDir, index);
    await mkdir(localDir, { recursive: true });
    const data: ExecutorOptionsWithBlockManager = {
      executorId: this.options.executorId,
      conf: this.options.conf,
      localDir,
      taskMemoryBytes: this.options.taskMemoryBytes,
      storageMemoryBytes: this.options.storageMemoryBytes,
      ...(this.options.blockManager ? { blockManager: this.options.blockManager } : {}),
    };
    const heap = this.options.slotHeap;
    // V8's --max-old-space-size, which the launcher gives the process, silently overrides a
    // worker's resourceLimits.maxOldGenerationSizeMb; a new isolate reads the flag when it is
    // created, so lower the flag for the workers (the main thread's heap keeps the limit it
    // started with). resourceLimits still sets the young generation and makes a worker that
    // runs out of heap end with ERR_WORKER_OUT_OF_MEMORY instead of taking the process down.
    if (heap) setFlagsFromString(`--max-old-space-size=${heap.oldGenerationMiB}`);
    const cachePort = this.options.cachePort?.();
    const worker = new Worker(this.script.path, {
      workerData: cachePort ? { ...data, cachePort } : data,
      ...(cachePort ? { transferList: [cachePort] } : {}),
      ...(heap
        ? {
            resourceLimits: {
              maxOldGenerationSizeMb: heap.oldGenerationMiB,
              maxYoungGenerationSizeMb: heap.youngGenerationMiB,
            },
          }
        : {}),
    });
    const slot: Slot = { worker, queue: [], binaries: new Set(), broadcasts: new Set() };
    worker.on('message', (m: FromWorker) => this.onMessage(slot, m));
    worker.on('error', (err) => this.lost(index, crashReason(err, heap)));
    worker.on('exit', (code) => this.lost(index, `exited with code ${code}`));
    this.slots.push(slot);
  }

  private onMessage(slot: Slot, m: FromWorker): void {
    if (m.type === 'result') {
      const taskId = slot.queue.shift();
      if (taskId !== undefined) this.events.onResult(taskId, m.bytes);
    } else if (m.type === 'fatal') {
      this.events.onFatal(`a task slot failed: ${m.message}`);
    }
  }

  private lost(index: number, why: string): void {
    if (!this.stopping) this.events.onFatal(`task slot ${index} ${why}`);
  }

  addBinary(binaryId: number, bytes: Uint8Array): void {
    this.binaries.set(binaryId, bytes);
  }

  dropBinary(binaryId: number): void {
    this.binaries.delete(binaryId);
    for (const s of this.slots)
      if (s.binaries.delete(binaryId)) this.post(s, { type: 'dropBinary', binaryId });
  }

  addBroadcast(id: number, bytes: Uint8Array): void {
    this.broadcasts.set(id, bytes);
  }

  dropBroadcast(id: number): void {
    this.broadcasts.delete(id);
    for (const s of this.slots) if (s.broadcasts.delete(id)) this.post(s, { type: 'dropBroadcast', id });
  }

  dropRdd(rddId: number): void {
    for (const s of this.slots) this.post(s, { type: 'dropRdd', rddId });
  }

  launch(taskId: number, task: Uint8Array, binaryId: number, broadcastIds: readonly number[]): void {
    const slot = this.slots.reduce((best, s) => (s.queue.length < best.queue.length ? s : best));
    for (const id of broadcastIds) {
      const bytes = this.broadcasts.get(id);
      if (bytes && !slot.broadcasts.has(id)) {
        this.post(slot, { type: 'broadcast', id, bytes });
        slot.broadcasts.add(id);
      }
    }
    const binary = this.binaries.get(binaryId);
    if (binary && !slot.binaries.has(binaryId)) {
      this.post(slot, { type: 'binary', binaryId, bytes: binary });
      slot.binaries.add(binaryId);
    }
    // a missing binary makes the worker fail the task with a clear message
    slot.queue.push(taskId);
    this.post(slot, { type: 'launch', tasks: [task] });
  }

  private post(slot: Slot, message: ToWorker): void {
    slot.worker.postMessage(message);
  }

  async stop(): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    await Promise.all(
      this.slots.map(
        (s) =>
          new Promise<void>((resolve) => {
            const timer = setTimeout(() => void s.worker.terminate().then(() => resolve()), 5000);
            s.worker.once('exit', () => {
              clearTimeout(timer);
              resolve();
            });
            this.post(s, { type: 'stop' });
          }),
      ),
    );
    await this.script.dispose();
  }
}
