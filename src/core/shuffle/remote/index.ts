/**
 * Executors' block servers and their clients: remote shuffle reads (the
 * reducers' fetcher) and blocks by id (cached partitions, task results,
 * broadcast pieces). See docs/internals/shuffle.md and docs/internals/blocks.md.
 */
export {
  BlockIds,
  BlockMsg,
  blockIdPrefix,
  MAX_BLOCK_ID_LENGTH,
  MAX_CHUNK_BYTES,
  type BlockChunk,
  type ChunkRequest,
  type FetchBlockChunk,
  type FetchShuffleChunk,
  type ShuffleChunk,
} from './protocol.js';
export {
  BlockFetchError,
  BlockNotFoundError,
  BlockReadError,
  BlockRequestError,
  BlockUnreachableError,
  FetchFailedError,
} from './errors.js';
export { bufferHandle, MemoryBlockSource, type BlockHandle, type BlockSource } from './block-source.js';
export { ShuffleFileResolver } from './file-resolver.js';
export {
  BlockServer,
  ShuffleBlockServer,
  type BlockServerOptions,
  type ShuffleBlockServerOptions,
} from './block-server.js';
export {
  BlockClientPool,
  DEFAULT_BLOCK_CHUNK_BYTES,
  type BlockClientOptions,
  type FetchBlockOptions,
  type FetchedChunk,
} from './block-client.js';
export {
  DEFAULT_FETCH_CHUNK_BYTES,
  ShuffleBlockFetcher,
  type FetchChunk,
  type FetcherOptions,
  type RemoteBlock,
} from './fetcher.js';
