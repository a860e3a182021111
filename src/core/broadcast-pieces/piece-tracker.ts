import type { PieceHolder, PieceLocations } from './holders.js';
import type { BroadcastManifest } from './pieces.js';

/**
 * The driver's record of which executors hold which pieces of each live
 * broadcast (Spark keeps this in the BlockManagerMaster). Executors report
 * pieces as they verify them; an unpersist forgets every executor copy, a
 * lost executor is forgotten everywhere. The driver itself is not recorded
 * here: it holds every piece, and is listed first by `locations`.
 */
export class BroadcastPieceTracker {
  private readonly broadcasts = new Map<number, { manifest: BroadcastManifest; holders: Set<string>[] }>();

  register(manifest: BroadcastManifest): void {
    this.broadcasts.set(manifest.id, { manifest, holders: manifest.pieces.map(() => new Set()) });
  }

  manifest(broadcastId: number): BroadcastManifest | undefined {
    return this.broadcasts.get(broadcastId)?.manifest;
  }

  /** The broadcast is destroyed: nothing is left to track. */
  remove(broadcastId: number): void {
    this.broadcasts.delete(broadcastId);
  }

  /** Executors dropped their copies (unpersist); the driver's stay. */
  forgetExecutorCopies(broadcastId: number): void {
    for (const h of this.broadcasts.get(broadcastId)?.holders ?? []) h.clear();
  }

  /** Records pieces an executor now holds; pieces the broadcast does not have are ignored. */
  addHolder(broadcastId: number, executorId: string, pieces: readonly number[]): number {
    const b = this.broadcasts.get(broadcastId);
    if (!b) return 0;
    let added = 0;
    for (const p of pieces) {
      const h = b.holders[p];
      if (h && !h.has(executorId)) {
        h.add(executorId);
        added++;
      }
    }
    return added;
  }

  /** The executor is gone: it holds nothing any more. */
  removeExecutor(executorId: string): void {
    for (const b of this.broadcasts.values()) for (const h of b.holders) h.delete(executorId);
  }

  /** Executors holding each piece, for tests and diagnostics. */
  holdersOf(broadcastId: number): string[][] {
    return (this.broadcasts.get(broadcastId)?.holders ?? []).map((h) => [...h].sort());
  }

  /**
   * Where each piece is, for an executor about to fetch: the driver first
   * (it holds them all), then executors whose block server address is known.
   */
  locations(
    broadcastId: number,
    driver: PieceHolder,
    addressOf: (executorId: string) => { host: string; port: number } | undefined,
  ): PieceLocations | undefined {
    const b = this.broadcasts.get(broadcastId);
    if (!b) return undefined;
    const holders: PieceHolder[] = [driver];
    const index = new Map<string, number>();
    const pieceHolders = b.holders.map((set) => {
      const list = [0];
      for (const executorId of set) {
        let i = index.get(executorId);
        if (i === undefined) {
          const address = addressOf(executorId);
          if (!address) continue;
          i = holders.push({ id: executorId, host: address.host, port: address.port }) - 1;
          index.set(executorId, i);
        }
        list.push(i);
      }
      return list;
    });
    return { holders, pieceHolders };
  }
}
