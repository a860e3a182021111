import type { BlockHandle, BlockSource } from '../shuffle/remote/index.js';
import { parsePieceBlockId } from './pieces.js';

/**
 * The broadcast pieces a process holds in memory, served by its block server
 * under the `broadcast_` prefix: the driver's hold every piece of every live
 * broadcast, an executor's the pieces it fetched.
 */
export class BroadcastPieceStore implements BlockSource {
  private readonly broadcasts = new Map<number, Map<number, Buffer>>();
  private bytesHeld = 0;
  private served = 0;

  put(broadcastId: number, piece: number, bytes: Buffer): void {
    let pieces = this.broadcasts.get(broadcastId);
    if (!pieces) this.broadcasts.set(broadcastId, (pieces = new Map()));
    this.bytesHeld += bytes.length - (pieces.get(piece)?.length ?? 0);
    pieces.set(piece, bytes);
  }

  get(broadcastId: number, piece: number): Buffer | undefined {
    return this.broadcasts.get(broadcastId)?.get(piece);
  }

  /** Pieces of the broadcast held here. */
  piecesOf(broadcastId: number): number[] {
    return [...(this.broadcasts.get(broadcastId)?.keys() ?? [])].sort((a, b) => a - b);
  }

  /** Forgets every piece of the broadcast; returns how many there were. */
  drop(broadcastId: number): number {
    const pieces = this.broadcasts.get(broadcastId);
    if (!pieces) return 0;
    for (const p of pieces.values()) this.bytesHeld -= p.length;
    this.broadcasts.delete(broadcastId);
    return pieces.size;
  }

  /** Pieces and bytes held, and pieces served to peers so far (metrics, tests). */
  get stats(): { broadcasts: number; bytes: number; served: number } {
    return { broadcasts: this.broadcasts.size, bytes: this.bytesHeld, served: this.served };
  }

  open(blockId: string): Promise<BlockHandle | undefined> {
    const id = parsePieceBlockId(blockId);
    const bytes = id && this.get(id.broadcastId, id.piece);
    if (!bytes) return Promise.resolve(undefined);
    return Promise.resolve({
      length: bytes.length,
      read: (offset: number, length: number) => {
        if (offset + length >= bytes.length) this.served++;
        return Promise.resolve(bytes.subarray(offset, offset + length));
      },
    });
  }
}
