import { BroadcastDroppedError, BroadcastFetchError } from './errors.js';
import { DRIVER_HOLDER, pickHolder, shuffled, type PieceHolder, type PieceLocations } from './holders.js';
import { assemblePieces, pieceBlockId, pieceProblem, type BroadcastManifest } from './pieces.js';

/**
 * An executor's fetch of one broadcast: every piece it does not hold yet, in
 * random order (so executors starting together ask for different pieces
 * first), each from a random holder of that piece. A holder that fails —
 * unreachable, no such piece, or bytes that fail the length or checksum
 * check — is not asked for that piece again; the next random holder is. When
 * every holder of a piece has failed, the fetch fails with
 * BroadcastFetchError listing each holder's reason.
 */

/** Fetches one whole block from a block server (BlockClientPool.fetchBlock). */
export type FetchBlock = (
  address: { host: string; port: number },
  blockId: string,
  options?: { chunkBytes?: number },
) => Promise<Buffer>;

/** Pieces fetched at once: enough to overlap round trips, few enough to spread requests over holders. */
export const DEFAULT_PIECE_FETCH_CONCURRENCY = 4;
/** Bytes per chunk request of a piece: a default-sized piece (4 MiB) is one round trip. */
export const PIECE_CHUNK_BYTES = 4 * 1024 * 1024;

export interface PieceFetchOptions {
  fetchBlock: FetchBlock;
  random?: () => number;
  concurrency?: number;
  /** Pieces already here (kept from an earlier, failed fetch): not fetched again. */
  held?: (piece: number) => Buffer | undefined;
  /** A piece arrived and passed its checks (store it, tell the driver). */
  onPiece?: (piece: number, bytes: Buffer, from: PieceHolder) => void;
  /** A holder could not give a good piece; another is tried. */
  onHolderFailed?: (piece: number, from: PieceHolder, reason: string) => void;
  /** Aborted when the broadcast is dropped: the fetch stops with BroadcastDroppedError. */
  signal?: AbortSignal;
}

export interface FetchedBroadcast {
  /** The value's serialized bytes. */
  bytes: Buffer;
  pieces: Buffer[];
  /** Pieces fetched from the driver's block server, from executors', and found here already. */
  fromDriver: number;
  fromExecutors: number;
  alreadyHeld: number;
  /** Pieces a holder sent that failed the checks (each was fetched again elsewhere). */
  badPieces: number;
}

export async function fetchBroadcastPieces(
  manifest: BroadcastManifest,
  locations: PieceLocations,
  options: PieceFetchOptions,
): Promise<FetchedBroadcast> {
  const random = options.random ?? Math.random;
  const pieces: (Buffer | undefined)[] = manifest.pieces.map((_, i) => options.held?.(i));
  const result = { fromDriver: 0, fromExecutors: 0, alreadyHeld: 0, badPieces: 0 };
  result.alreadyHeld = pieces.filter((p) => p !== undefined).length;
  const todo = shuffled(
    manifest.pieces.map((_, i) => i).filter((i) => pieces[i] === undefined),
    random,
  );
  const checkDropped = (): void => {
    if (options.signal?.aborted) throw new BroadcastDroppedError(manifest.id);
  };

  const fetchPiece = async (index: number): Promise<void> => {
    const candidates = locations.pieceHolders[index] ?? [];
    const tried = new Set<number>();
    const failures: string[] = [];
    for (;;) {
      checkDropped();
      const h = pickHolder(candidates, tried, random);
      if (h === undefined) throw new BroadcastFetchError(manifest.id, index, failures);
      tried.add(h);
      const holder = locations.holders[h]!;
      const where = describeHolder(holder);
      let reason: string;
      try {
        const bytes = await options.fetchBlock(holder, pieceBlockId(manifest.id, index), {
          chunkBytes: Math.max(1, Math.min(PIECE_CHUNK_BYTES, manifest.pieces[index]!.length)),
        });
        checkDropped();
        const problem = pieceProblem(manifest, index, bytes);
        if (problem === undefined) {
          pieces[index] = bytes;
          if (holder.id === DRIVER_HOLDER) result.fromDriver++;
          else result.fromExecutors++;
          options.onPiece?.(index, bytes, holder);
          return;
        }
        result.badPieces++;
        reason = problem;
      } catch (e) {
        if (e instanceof BroadcastDroppedError) throw e;
        reason = (e as Error).message;
      }
      failures.push(`${where}: ${reason}`);
      options.onHolderFailed?.(index, holder, reason);
    }
  };

  const queue = [...todo];
  const worker = async (): Promise<void> => {
    for (let next = queue.shift(); next !== undefined; next = queue.shift()) await fetchPiece(next);
  };
  const concurrency = Math.max(1, Math.min(options.concurrency ?? DEFAULT_PIECE_FETCH_CONCURRENCY, todo.length));
  const workers = Array.from({ length: concurrency }, () => worker());
  try {
    await Promise.all(workers);
  } catch (e) {
    queue.length = 0; // the other workers stop after their current piece
    await Promise.allSettled(workers);
    throw e;
  }
  checkDropped();
  const complete = pieces as Buffer[];
  return { bytes: assemblePieces(manifest, complete), pieces: complete, ...result };
}

export function describeHolder(holder: PieceHolder): string {
  const who = holder.id === DRIVER_HOLDER ? 'the driver' : `executor ${holder.id}`;
  return `${who} at ${holder.host}:${holder.port}`;
}
