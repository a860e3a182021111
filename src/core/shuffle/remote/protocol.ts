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
 */

export const BlockMsg = {
  FETCH_SHUFFLE_CHUNK: 'FetchShuffleChunk',
  SHUFFLE_CHUNK: 'ShuffleChunk',
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
