/**
 * Messages between the driver thread and a local-mode worker thread. Tasks
 * and stage binaries are node:v8 bytes (task-codec.ts), exactly what a
 * cluster executor receives over the network.
 */
export type ToWorker =
  | { type: 'binary'; binaryId: number; bytes: Uint8Array }
  | { type: 'dropBinary'; binaryId: number }
  | { type: 'broadcast'; id: number; bytes: Uint8Array }
  | { type: 'dropBroadcast'; id: number }
  | { type: 'launch'; tasks: Uint8Array[] }
  | { type: 'dropRdd'; rddId: number }
  | { type: 'stop' };

export type FromWorker =
  | { type: 'result'; bytes: Uint8Array }
  | { type: 'fatal'; message: string; stack?: string }
  | { type: 'stopped' };
