/** Remote shuffle reads: executors' block servers and the reducers' fetcher. See docs/internals/shuffle.md. */
export {
  BlockMsg,
  MAX_CHUNK_BYTES,
  type ChunkRequest,
  type FetchShuffleChunk,
  type ShuffleChunk,
} from './protocol.js';
export { FetchFailedError } from './errors.js';
export { ShuffleFileResolver } from './file-resolver.js';
export { ShuffleBlockServer, type ShuffleBlockServerOptions } from './block-server.js';
export { BlockClientPool, type BlockClientOptions, type FetchedChunk } from './block-client.js';
export {
  DEFAULT_FETCH_CHUNK_BYTES,
  ShuffleBlockFetcher,
  type FetchChunk,
  type FetcherOptions,
  type RemoteBlock,
} from './fetcher.js';
