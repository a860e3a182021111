import type { RpcMessage } from '../../../rpc/codec/app-frame.js';

/**
 * Messages between a reducer and an executor's block server (Spark's
 * OpenBlocks/ChunkFetch, reduced to one request). A reducer pulls one map
 * output's block for its reduce partition as a series of bounded chunks, each
 * a request/response pair on an authenticated RPC connection; the chunk's
 * bytes travel as the response body, never inside the message.
 *
 *   request  FetchShuffleChunk { shuffleId, mapId, reduceId, offset, maxBytes }
 *   response ShuffleChunk      { blockLength, offset }   body = block bytes [offset, offset + n)
 *            where n = min(maxBytes, blockLength - offset)
 *   error    ShuffleBlockError (code SHUFFLE_BLOCK): no such map output here, index or data file
 *            missing or shorter than the index says, offset past the end, a bad request
 *
 * The first response tells the reducer the block's length; an empty block is
 * one round trip with an empty body.
 *
 * Any other block (Spark's names: `rdd_<rddId>_<partition>`,
 * `taskresult_<taskId>`, `broadcast_<id>_piece<n>`) is pulled the same way,
 * named by its id; the server hands the request to the BlockSource registered
 * for the id's prefix (the id up to and including its first `_`):
 *
 *   request  FetchBlockChunk { blockId, offset, maxBytes }
 *   response BlockChunk      { blockLength, offset }   body = block bytes [offset, offset + n)
 *   error    code BLOCK_NOT_FOUND: no source for the prefix, or the source has no such block
 *            code BLOCK_BAD_REQUEST: malformed request, offset past the end
 *            code BLOCK_READ_FAILED: the source failed to read the bytes
 */

export const BlockMsg = {
  FETCH_SHUFFLE_CHUNK: 'FetchShuffleChunk',
  SHUFFLE_CHUNK: 'ShuffleChunk',
  FETCH_BLOCK_CHUNK: 'FetchBlockChunk',
  BLOCK_CHUNK: 'BlockChunk',
} as const;

/** Which bytes of which block a reducer asks for. */
export interface ChunkRequest {
  shuffleId: number;
  mapId: number;
  reduceId: number;
  offset: number;
  maxBytes: number;
}

export interface FetchShuffleChunk extends RpcMessage {
  type: typeof BlockMsg.FETCH_SHUFFLE_CHUNK;
  shuffleId: number;
  mapId: number;
  reduceId: number;
  /** Byte offset inside the block (the reduce partition's range of the data file). */
  offset: number;
  maxBytes: number;
}

export interface ShuffleChunk extends RpcMessage {
  type: typeof BlockMsg.SHUFFLE_CHUNK;
  /** Bytes of the whole block. */
  blockLength: number;
  offset: number;
}

/** Largest chunk a block server sends in one response, whatever the reducer asks for. */
export const MAX_CHUNK_BYTES = 16 * 1024 * 1024;

export interface FetchBlockChunk extends RpcMessage {
  type: typeof BlockMsg.FETCH_BLOCK_CHUNK;
  blockId: string;
  /** Byte offset inside the block. */
  offset: number;
  maxBytes: number;
}

export interface BlockChunk extends RpcMessage {
  type: typeof BlockMsg.BLOCK_CHUNK;
  /** Bytes of the whole block. */
  blockLength: number;
  offset: number;
}

/** Longest block id a server accepts. */
export const MAX_BLOCK_ID_LENGTH = 256;

/** A block id's prefix: the id up to and including its first `_` (`rdd_`, `taskresult_`, `broadcast_`). */
export function blockIdPrefix(blockId: string): string | undefined {
  const i = blockId.indexOf('_');
  return i > 0 ? blockId.slice(0, i + 1) : undefined;
}

/** Block ids in Spark's names. */
export const BlockIds = {
  rdd: (rddId: number, partition: number): string => `rdd_${rddId}_${partition}`,
  taskResult: (taskId: number): string => `taskresult_${taskId}`,
  broadcastPiece: (broadcastId: number, piece: number): string => `broadcast_${broadcastId}_piece${piece}`,
} as const;
