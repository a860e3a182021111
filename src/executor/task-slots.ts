/**
 * Where an executor process runs its tasks: `cores` slots, each running one
 * task at a time. The executor backend forwards what the driver sends; the
 * slots hand back each task's encoded result. Implemented by worker threads
 * (worker-pool.ts) and by fakes in tests.
 */
export interface TaskSlots {
  readonly cores: number;
  /** Tasks launched whose result has not come back yet. */
  readonly running: number;
  addBinary(binaryId: number, bytes: Uint8Array): void;
  dropBinary(binaryId: number): void;
  addBroadcast(id: number, bytes: Uint8Array): void;
  dropBroadcast(id: number): void;
  dropRdd(rddId: number): void;
  launch(taskId: number, task: Uint8Array, binaryId: number, broadcastIds: readonly number[]): void;
  /** Stops every slot; tasks still running are abandoned. */
  stop(): Promise<void>;
}

export interface TaskSlotEvents {
  /** A task finished (successfully or not): its encoded TaskResult. */
  onResult(taskId: number, result: Uint8Array): void;
  /** A slot died (a worker thread crashed): the executor cannot trust its state any more. */
  onFatal(message: string): void;
}
