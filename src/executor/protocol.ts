import type { RpcMessage } from '../rpc/codec/app-frame.js';

/**
 * Messages between the driver endpoint and an executor process (Spark's
 * CoarseGrainedClusterMessages). Bulk bytes (stage binaries, broadcast
 * values, tasks, task results) travel as RPC bodies, never inside the
 * message. TCP keeps them in order: a stage binary or broadcast sent before
 * a LaunchTask arrives before it.
 *
 * Executor -> driver
 *   request  RetrieveAppConfig     -> AppConfig (before the executor starts its task slots)
 *   request  RegisterExecutor      -> RegisteredExecutor (or an error: refused); tasks may follow at once
 *                                     (carries the executor's block server port, when it runs one)
 *   one-way  StatusUpdate          body = encodeTaskResult(...) bytes
 *   request  Heartbeat             -> HeartbeatResponse
 * Reducer (another executor's task thread) -> block server: see src/core/shuffle/remote/protocol.ts.
 * Driver -> executor
 *   one-way  StageBinary           body = encodeStageBinary(...) bytes
 *   one-way  Broadcast             body = v8-serialized value
 *   one-way  LaunchTask            body = encodeTask(...) bytes
 *   one-way  DropBinary | DropBroadcast | DropRdd | StopExecutor
 *   one-way  RemoveShuffle         { shuffleId }: the driver no longer needs the shuffle; delete its
 *                                     map output files (a shuffle this executor has none of is ignored)
 */

export const Msg = {
  RETRIEVE_APP_CONFIG: 'RetrieveAppConfig',
  APP_CONFIG: 'AppConfig',
  REGISTER_EXECUTOR: 'RegisterExecutor',
  REGISTERED_EXECUTOR: 'RegisteredExecutor',
  STATUS_UPDATE: 'StatusUpdate',
  HEARTBEAT: 'Heartbeat',
  HEARTBEAT_RESPONSE: 'HeartbeatResponse',
  STAGE_BINARY: 'StageBinary',
  BROADCAST: 'Broadcast',
  LAUNCH_TASK: 'LaunchTask',
  DROP_BINARY: 'DropBinary',
  DROP_BROADCAST: 'DropBroadcast',
  DROP_RDD: 'DropRdd',
  REMOVE_SHUFFLE: 'RemoveShuffle',
  STOP_EXECUTOR: 'StopExecutor',
} as const;

export interface RegisterExecutor extends RpcMessage {
  type: typeof Msg.REGISTER_EXECUTOR;
  executorId: string;
  /** The host peers reach this executor on (its block server). */
  host: string;
  cores: number;
  pid: number;
  /** The port of its block server on `host` (absent: the executor serves no shuffle blocks). */
  blockPort?: number;
}

export interface RetrieveAppConfig extends RpcMessage {
  type: typeof Msg.RETRIEVE_APP_CONFIG;
  executorId: string;
}

export interface AppConfig extends RpcMessage {
  type: typeof Msg.APP_CONFIG;
  /** The application's configuration (Spark's RetrieveSparkAppConfig); the driver leaves the secret out. */
  conf: Record<string, string>;
}

export interface RegisteredExecutor extends RpcMessage {
  type: typeof Msg.REGISTERED_EXECUTOR;
}

export interface StatusUpdate extends RpcMessage {
  type: typeof Msg.STATUS_UPDATE;
  executorId: string;
  taskId: number;
}

export interface Heartbeat extends RpcMessage {
  type: typeof Msg.HEARTBEAT;
  executorId: string;
  runningTasks: number;
}

export interface HeartbeatResponse extends RpcMessage {
  type: typeof Msg.HEARTBEAT_RESPONSE;
  /** The driver does not know this executor (it was declared lost): the executor should exit. */
  unknownExecutor: boolean;
}

export interface LaunchTask extends RpcMessage {
  type: typeof Msg.LAUNCH_TASK;
  taskId: number;
  binaryId: number;
  /** Broadcasts the task reads; each was sent (Broadcast) before the task. */
  broadcastIds: number[];
}

export interface StageBinaryMessage extends RpcMessage {
  type: typeof Msg.STAGE_BINARY;
  binaryId: number;
}

export interface BroadcastMessage extends RpcMessage {
  type: typeof Msg.BROADCAST;
  id: number;
}
