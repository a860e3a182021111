import { deserialize, serialize } from 'node:v8';
import type { StageBinary, TaskSpec } from '../rdd/spec.js';
import type { TaskResult } from '../executor/task-result.js';

/**
 * The one path tasks take to executors, whatever the backend: node:v8 bytes.
 * A stage's binary (lineage + functions) is encoded once per stage attempt
 * and sent to each executor once; each task is a small TaskSpec.
 */
export const encodeStageBinary = (b: StageBinary): Buffer => serialize(b);
export const decodeStageBinary = (buf: Uint8Array): StageBinary => deserialize(buf) as StageBinary;
export const encodeTask = (t: TaskSpec): Buffer => serialize(t);
export const decodeTask = (buf: Uint8Array): TaskSpec => deserialize(buf) as TaskSpec;

export function encodeTaskResult(r: TaskResult): Buffer {
  try {
    return serialize(r);
  } catch (e) {
    // the action's value held something v8 cannot copy (a function, a socket)
    return serialize({
      taskId: r.taskId,
      ok: false,
      error: { name: 'TypeError', message: `task result cannot be sent to the driver: ${(e as Error).message}` },
      metrics: r.metrics,
    } satisfies TaskResult);
  }
}
export const decodeTaskResult = (buf: Uint8Array): TaskResult => deserialize(buf) as TaskResult;
