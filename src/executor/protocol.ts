import type { RpcMessage } from '../rpc/codec/app-frame.js';
import type { BroadcastManifest, PieceLocations } from '../core/broadcast-pieces/index.js';

/**
 * Messages between the driver endpoint and an executor process (Spark's
 * CoarseGrainedClusterMessages). Bulk bytes (stage binaries, tasks, task
 * results) travel as RPC bodies, never inside the message. TCP keeps them in
 * order: a stage binary or broadcast info sent before a LaunchTask arrives
 * before it. Broadcast values never cross this connection: the executor
 * fetches their pieces from block servers (docs/internals/broadcast.md).
 *
 * Executor -> driver
 *   request  RetrieveAppConfig     -> AppConfig (before the executor starts its task slots)
 *   request  RegisterExecutor      -> RegisteredExecutor (or an error: refused); tasks may follow at once
 *                                     (carries the executor's block server port, when it runs one)
 *   one-way  StatusUpdate          body = encodeTaskResult(...) bytes; or, for a result over
 *                                  spark.task.maxDirectResultSize, no body and `indirect` = the
 *                                  block (taskresult_<taskId>) to fetch from the executor's block server
 *   request  Heartbeat             -> HeartbeatResponse
 *   one-way  BroadcastPiecesHeld   pieces of a broadcast this executor fetched, checked and now serves
 *   request  GetBlockLocations     -> BlockLocations (which other executors hold a cached block, and
 *                                     their block servers: a task needs a partition cached elsewhere)
 * Reducer (another executor's task thread) or broadcast fetch -> block server: see src/core/shuffle/remote/protocol.ts.
 * Driver -> executor
 *   one-way  StageBinary           body = encodeStageBinary(...) bytes
 *   one-way  BroadcastInfo         a broadcast's manifest and piece locations (no body)
 *   one-way  LaunchTask            body = encodeTask(...) bytes
 *   one-way  DropBinary | DropBroadcast | DropRdd | StopExecutor
 *   one-way  RemoveBlock           { blockId }: the driver fetched (or gave up on) a block it was offered
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
  BROADCAST_INFO: 'BroadcastInfo',
  BROADCAST_PIECES_HELD: 'BroadcastPiecesHeld',
  LAUNCH_TASK: 'LaunchTask',
  DROP_BINARY: 'DropBinary',
  DROP_BROADCAST: 'DropBroadcast',
  DROP_RDD: 'DropRdd',
  REMOVE_SHUFFLE: 'RemoveShuffle',
  STOP_EXECUTOR: 'StopExecutor',
  REMOVE_BLOCK: 'RemoveBlock',
  GET_BLOCK_LOCATIONS: 'GetBlockLocations',
  BLOCK_LOCATIONS: 'BlockLocations',
} as const;

export interface GetBlockLocations extends RpcMessage {
  type: typeof Msg.GET_BLOCK_LOCATIONS;
  executorId: string;
  /** rdd_<rddId>_<partition>. */
  blockId: string;
}

export interface BlockLocations extends RpcMessage {
  type: typeof Msg.BLOCK_LOCATIONS;
  /** Live executors other than the asking one that hold the block, with their block servers. */
  holders: { executorId: string; host: string; port: number }[];
}

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
  /** Spark's IndirectTaskResult: the result is a block on the executor, not the body. */
  indirect?: IndirectResult;
}

export interface IndirectResult {
  /** taskresult_<taskId>. */
  blockId: string;
  /** Serialized bytes of the result. */
  size: number;
  /** Over spark.driver.maxResultSize: the executor dropped the bytes and sends only the size. */
  dropped?: boolean;
}

export interface RemoveBlock extends RpcMessage {
  type: typeof Msg.REMOVE_BLOCK;
  blockId: string;
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
  /** Broadcasts the task reads; the info of each was sent (BroadcastInfo) before the task. */
  broadcastIds: number[];
}

export interface StageBinaryMessage extends RpcMessage {
  type: typeof Msg.STAGE_BINARY;
  binaryId: number;
}

/**
 * What an executor needs to fetch a broadcast: its pieces' sizes and
 * checksums, and which block servers (the driver's, executors') hold each.
 */
export interface BroadcastInfo extends RpcMessage, BroadcastManifest, PieceLocations {
  type: typeof Msg.BROADCAST_INFO;
}

export interface BroadcastPiecesHeld extends RpcMessage {
  type: typeof Msg.BROADCAST_PIECES_HELD;
  executorId: string;
  id: number;
  pieces: number[];
}
