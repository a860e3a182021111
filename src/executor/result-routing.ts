import { BlockIds } from '../core/shuffle/remote/protocol.js';

/**
 * How an executor hands a finished task's serialized result to the driver
 * (Spark's DirectTaskResult vs IndirectTaskResult):
 *
 * - direct: the bytes ride the StatusUpdate on the control connection;
 * - indirect: the bytes stay in this executor as block `taskresult_<taskId>`
 *   and the StatusUpdate carries only the block id and size; the driver
 *   fetches the block from this executor's block server, then removes it;
 * - dropped: the result alone is over spark.driver.maxResultSize, so the
 *   driver would refuse it anyway: only the size is sent, which makes the
 *   driver fail the action with its maxResultSize error.
 *
 * The limit check comes first, as in Spark: a result over maxResultSize is
 * dropped even when it is small enough to go direct.
 */

export type ResultRoute =
  | { kind: 'direct' }
  | { kind: 'indirect'; blockId: string; size: number }
  | { kind: 'dropped'; blockId: string; size: number };

export interface ResultLimits {
  /** Largest result sent directly (already capped by effectiveMaxDirectResultBytes). */
  maxDirectBytes: number;
  /** spark.driver.maxResultSize; 0 = no limit. */
  maxResultBytes: number;
}

/** Room left in a frame for the StatusUpdate header next to a direct result's bytes. */
export const STATUS_UPDATE_HEADROOM_BYTES = 64 * 1024;

/** spark.task.maxDirectResultSize, capped so that a direct result always fits one RPC frame. */
export function effectiveMaxDirectResultBytes(configured: number, maxFrameBytes: number): number {
  return Math.max(0, Math.min(configured, maxFrameBytes - STATUS_UPDATE_HEADROOM_BYTES));
}

export function routeTaskResult(taskId: number, size: number, limits: ResultLimits): ResultRoute {
  const blockId = BlockIds.taskResult(taskId);
  if (limits.maxResultBytes > 0 && size > limits.maxResultBytes) return { kind: 'dropped', blockId, size };
  if (size > limits.maxDirectBytes) return { kind: 'indirect', blockId, size };
  return { kind: 'direct' };
}
