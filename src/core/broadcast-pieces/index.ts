/** Broadcast values as pieces served by block servers. See docs/internals/broadcast.md. */
export {
  BROADCAST_BLOCK_PREFIX,
  assemblePieces,
  parsePieceBlockId,
  pieceBlockId,
  pieceChecksum,
  pieceProblem,
  splitIntoPieces,
  type BroadcastManifest,
  type PieceInfo,
} from './pieces.js';
export { DRIVER_HOLDER, pickHolder, shuffled, type PieceHolder, type PieceLocations } from './holders.js';
export { BroadcastDroppedError, BroadcastFetchError } from './errors.js';
export { BroadcastPieceStore } from './piece-store.js';
export { BroadcastPieceTracker } from './piece-tracker.js';
export {
  DEFAULT_PIECE_FETCH_CONCURRENCY,
  PIECE_CHUNK_BYTES,
  describeHolder,
  fetchBroadcastPieces,
  type FetchBlock,
  type FetchedBroadcast,
  type PieceFetchOptions,
} from './piece-fetcher.js';
