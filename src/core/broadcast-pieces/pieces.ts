import { crc32 } from 'node:zlib';

/**
 * A broadcast value's serialized bytes cut into pieces (Spark's
 * TorrentBroadcast idea): each piece is a block `broadcast_<id>_piece<n>`
 * served by the driver's block server and by every executor that holds it,
 * so executors fetch from each other instead of all from the driver.
 *
 * Checksums are CRC-32 (zlib's, native; Spark uses Adler-32): they catch a
 * piece damaged in a holder's memory or on the way, not tampering — peers
 * are authenticated with the application secret already.
 */

/** The prefix every broadcast piece's block id starts with. */
export const BROADCAST_BLOCK_PREFIX = 'broadcast_';

const PIECE_BLOCK_ID = /^broadcast_(\d+)_piece(\d+)$/;

export function pieceBlockId(broadcastId: number, piece: number): string {
  return `${BROADCAST_BLOCK_PREFIX}${broadcastId}_piece${piece}`;
}

/** The broadcast and piece a block id names, or undefined when it names no piece. */
export function parsePieceBlockId(blockId: string): { broadcastId: number; piece: number } | undefined {
  const m = PIECE_BLOCK_ID.exec(blockId);
  if (!m) return undefined;
  const broadcastId = Number(m[1]);
  const piece = Number(m[2]);
  return Number.isSafeInteger(broadcastId) && Number.isSafeInteger(piece) ? { broadcastId, piece } : undefined;
}

export interface PieceInfo {
  length: number;
  /** CRC-32 of the piece; absent when spark.broadcast.checksum is false. */
  checksum?: number;
}

/** What an executor must know to fetch and check a broadcast (never the value itself). */
export interface BroadcastManifest {
  id: number;
  totalBytes: number;
  pieces: PieceInfo[];
}

export function pieceChecksum(bytes: Uint8Array): number {
  return crc32(bytes);
}

/**
 * Cuts `bytes` into pieces of `blockSize` bytes (the last may be shorter; an
 * empty value is one empty piece). The pieces are views of `bytes`, not copies.
 */
export function splitIntoPieces(
  id: number,
  bytes: Buffer,
  blockSize: number,
  checksum: boolean,
): { manifest: BroadcastManifest; pieces: Buffer[] } {
  if (!Number.isSafeInteger(blockSize) || blockSize < 1) {
    throw new RangeError(`a broadcast piece size must be a positive integer (got ${blockSize})`);
  }
  const pieces: Buffer[] = [];
  for (let offset = 0; offset < bytes.length; offset += blockSize) {
    pieces.push(bytes.subarray(offset, Math.min(bytes.length, offset + blockSize)));
  }
  if (pieces.length === 0) pieces.push(bytes.subarray(0, 0));
  const infos = pieces.map((p) => (checksum ? { length: p.length, checksum: pieceChecksum(p) } : { length: p.length }));
  return { manifest: { id, totalBytes: bytes.length, pieces: infos }, pieces };
}

/** Why `bytes` is not piece `index` of the broadcast, or undefined when it is. */
export function pieceProblem(manifest: BroadcastManifest, index: number, bytes: Uint8Array): string | undefined {
  const info = manifest.pieces[index];
  if (!info) return `broadcast ${manifest.id} has no piece ${index}`;
  if (bytes.length !== info.length) return `it has ${bytes.length} bytes instead of ${info.length}`;
  if (info.checksum !== undefined) {
    const actual = pieceChecksum(bytes);
    if (actual !== info.checksum) {
      return `its checksum is ${hex(actual)} instead of ${hex(info.checksum)} (the piece is corrupt)`;
    }
  }
  return undefined;
}

/** The value's bytes from its pieces, in order; throws when they do not add up to the manifest. */
export function assemblePieces(manifest: BroadcastManifest, pieces: readonly Buffer[]): Buffer {
  if (pieces.length !== manifest.pieces.length) {
    throw new RangeError(
      `broadcast ${manifest.id} has ${manifest.pieces.length} pieces; ${pieces.length} were given`,
    );
  }
  const bytes = pieces.length === 1 ? pieces[0]! : Buffer.concat(pieces);
  if (bytes.length !== manifest.totalBytes) {
    throw new RangeError(
      `the pieces of broadcast ${manifest.id} add up to ${bytes.length} bytes instead of ${manifest.totalBytes}`,
    );
  }
  return bytes;
}

function hex(n: number): string {
  return `0x${n.toString(16).padStart(8, '0')}`;
}
