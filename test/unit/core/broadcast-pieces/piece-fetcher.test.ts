import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  BroadcastDroppedError,
  BroadcastFetchError,
  DRIVER_HOLDER,
  fetchBroadcastPieces,
  parsePieceBlockId,
  splitIntoPieces,
  type FetchBlock,
  type PieceHolder,
  type PieceLocations,
} from '../../../../src/core/broadcast-pieces/index.js';
import { seeded } from './helpers.js';

/**
 * The executor's fetch of a broadcast against fake holders (one map of
 * blocks per port): which pieces are asked of whom, what happens when a
 * holder is gone, lacks a piece, or sends a corrupt one.
 */

type Behaviour = 'ok' | 'missing' | 'unreachable' | 'corrupt';

interface FakeHolder {
  holder: PieceHolder;
  /** How it answers for each piece (default 'ok'). */
  pieces: Map<number, Behaviour>;
  requests: number[];
}

function setup(totalBytes: number, blockSize: number, holderIds: string[]) {
  const bytes = randomBytes(totalBytes);
  const { manifest, pieces } = splitIntoPieces(9, bytes, blockSize, true);
  const holders: FakeHolder[] = holderIds.map((id, i) => ({
    holder: { id, host: `host-${id}`, port: 5000 + i },
    pieces: new Map(),
    requests: [],
  }));
  const byPort = new Map(holders.map((h) => [h.holder.port, h]));
  let inFlight = 0;
  let maxInFlight = 0;
  const fetchBlock: FetchBlock = async (address, blockId) => {
    const h = byPort.get(address.port)!;
    const { broadcastId, piece } = parsePieceBlockId(blockId)!;
    expect(broadcastId).toBe(9);
    h.requests.push(piece);
    inFlight++;
    maxInFlight = Math.max(maxInFlight, inFlight);
    await new Promise((r) => setTimeout(r, 1));
    inFlight--;
    switch (h.pieces.get(piece) ?? 'ok') {
      case 'missing':
        throw Object.assign(new Error(`block ${blockId} is not held by executor ${h.holder.id}`), {
          code: 'BLOCK_NOT_FOUND',
        });
      case 'unreachable':
        throw Object.assign(new Error(`cannot fetch block ${blockId}: connect ECONNREFUSED`), {
          code: 'BLOCK_UNREACHABLE',
        });
      case 'corrupt': {
        const copy = Buffer.from(pieces[piece]!);
        copy[0] = copy[0]! ^ 0x01;
        return copy;
      }
      default:
        return Buffer.from(pieces[piece]!);
    }
  };
  const everyPieceEverywhere: PieceLocations = {
    holders: holders.map((h) => h.holder),
    pieceHolders: manifest.pieces.map(() => holders.map((_, i) => i)),
  };
  return { bytes, manifest, pieces, holders, fetchBlock, everyPieceEverywhere, maxInFlight: () => maxInFlight };
}

describe('fetchBroadcastPieces', () => {
  it('fetches every piece once, in random order, and assembles the value', async () => {
    const { bytes, manifest, holders, fetchBlock, everyPieceEverywhere } = setup(100_000, 4096, [DRIVER_HOLDER]);
    const seen: number[] = [];
    const fetched = await fetchBroadcastPieces(manifest, everyPieceEverywhere, {
      fetchBlock,
      random: seeded(1),
      concurrency: 1,
      onPiece: (piece, b, from) => {
        expect(b.length).toBe(manifest.pieces[piece]!.length);
        expect(from.id).toBe(DRIVER_HOLDER);
        seen.push(piece);
      },
    });
    expect(fetched.bytes.equals(bytes)).toBe(true);
    expect(fetched).toMatchObject({ fromDriver: 25, fromExecutors: 0, alreadyHeld: 0, badPieces: 0 });
    const requests = holders[0]!.requests;
    expect([...requests].sort((a, b) => a - b)).toEqual(Array.from({ length: 25 }, (_, i) => i));
    expect(seen).toEqual(requests);
    // not in order, and another seed gives another order
    expect(requests).not.toEqual([...requests].sort((a, b) => a - b));
    const other = setup(100_000, 4096, [DRIVER_HOLDER]);
    await fetchBroadcastPieces(other.manifest, other.everyPieceEverywhere, {
      fetchBlock: other.fetchBlock,
      random: seeded(2),
      concurrency: 1,
    });
    expect(other.holders[0]!.requests).not.toEqual(requests);
  });

  it('spreads the pieces over the holders of each, the driver included', async () => {
    const { bytes, manifest, holders, fetchBlock, everyPieceEverywhere } = setup(400_000, 4096, [
      DRIVER_HOLDER,
      '1',
      '2',
    ]);
    const fetched = await fetchBroadcastPieces(manifest, everyPieceEverywhere, { fetchBlock, random: seeded(7) });
    expect(fetched.bytes.equals(bytes)).toBe(true);
    // 98 pieces over 3 holders
    for (const h of holders) expect(h.requests.length).toBeGreaterThan(20);
    expect(fetched.fromDriver).toBe(holders[0]!.requests.length);
    expect(fetched.fromExecutors).toBe(98 - fetched.fromDriver);
  });

  it('asks only the holders a piece lists', async () => {
    const { bytes, manifest, holders, fetchBlock } = setup(12_000, 4000, [DRIVER_HOLDER, '1']);
    // executor 1 holds piece 2 only
    const locations: PieceLocations = { holders: holders.map((h) => h.holder), pieceHolders: [[0], [0], [0, 1]] };
    for (let seed = 0; seed < 10; seed++) {
      holders.forEach((h) => (h.requests.length = 0));
      const fetched = await fetchBroadcastPieces(manifest, locations, { fetchBlock, random: seeded(seed) });
      expect(fetched.bytes.equals(bytes)).toBe(true);
      expect(holders[1]!.requests.every((p) => p === 2)).toBe(true);
    }
  });

  it('fetches a corrupt piece again from another holder', async () => {
    const { bytes, manifest, holders, fetchBlock, everyPieceEverywhere } = setup(20_000, 4096, [DRIVER_HOLDER, '1']);
    // executor 1's copy of piece 3 went bad; try seeds until one asks executor 1 for piece 3
    holders[1]!.pieces.set(3, 'corrupt');
    const failed: string[] = [];
    let corruptAsked = false;
    for (let seed = 0; seed < 20 && !corruptAsked; seed++) {
      holders.forEach((h) => (h.requests.length = 0));
      failed.length = 0;
      const fetched = await fetchBroadcastPieces(manifest, everyPieceEverywhere, {
        fetchBlock,
        random: seeded(seed),
        onHolderFailed: (piece, from, reason) => failed.push(`${piece} ${from.id} ${reason}`),
      });
      expect(fetched.bytes.equals(bytes)).toBe(true);
      corruptAsked = holders[1]!.requests.includes(3);
      if (corruptAsked) {
        expect(fetched.badPieces).toBe(1);
        expect(failed).toEqual([expect.stringMatching(/^3 1 its checksum is .* \(the piece is corrupt\)$/)]);
        // and piece 3 came from the driver after all
        expect(holders[0]!.requests).toContain(3);
      }
    }
    expect(corruptAsked).toBe(true);
  });

  it('moves on past holders that are unreachable or lack the piece', async () => {
    const { bytes, manifest, holders, fetchBlock, everyPieceEverywhere } = setup(40_000, 4096, [
      DRIVER_HOLDER,
      '1',
      '2',
    ]);
    for (let p = 0; p < manifest.pieces.length; p++) {
      holders[1]!.pieces.set(p, 'unreachable');
      holders[2]!.pieces.set(p, 'missing');
    }
    const fetched = await fetchBroadcastPieces(manifest, everyPieceEverywhere, { fetchBlock, random: seeded(3) });
    expect(fetched.bytes.equals(bytes)).toBe(true);
    expect(fetched.fromDriver).toBe(manifest.pieces.length);
    // no holder is asked twice for the same piece
    for (const h of holders) expect(new Set(h.requests).size).toBe(h.requests.length);
  });

  it('fails with a typed error naming the piece and every holder tried when none gives a good copy', async () => {
    const { manifest, holders, fetchBlock, everyPieceEverywhere } = setup(20_000, 4096, [DRIVER_HOLDER, '1']);
    holders[0]!.pieces.set(2, 'corrupt');
    holders[1]!.pieces.set(2, 'unreachable');
    const error = await fetchBroadcastPieces(manifest, everyPieceEverywhere, { fetchBlock, random: seeded(5) }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(BroadcastFetchError);
    const e = error as BroadcastFetchError;
    expect(e.code).toBe('BROADCAST_FETCH_FAILED');
    expect(e.piece).toBe(2);
    expect(e.message).toMatch(/piece 2 of broadcast 9 from any of its 2 holder\(s\)/);
    expect(e.message).toContain('the driver at host-driver:5000: its checksum is');
    expect(e.message).toContain('executor 1 at host-1:5001: cannot fetch block broadcast_9_piece2');
    expect(e.message).toMatch(/spark\.driver\.blockManager\.port/);
  });

  it('does not fetch pieces already held, and keeps to the concurrency limit', async () => {
    const { bytes, manifest, pieces, holders, fetchBlock, everyPieceEverywhere, maxInFlight } = setup(
      200_000,
      4096,
      [DRIVER_HOLDER, '1'],
    );
    const fetched = await fetchBroadcastPieces(manifest, everyPieceEverywhere, {
      fetchBlock,
      random: seeded(11),
      concurrency: 3,
      held: (p) => (p % 2 === 0 ? Buffer.from(pieces[p]!) : undefined),
    });
    expect(fetched.bytes.equals(bytes)).toBe(true);
    const asked = [...holders[0]!.requests, ...holders[1]!.requests];
    expect(asked.every((p) => p % 2 === 1)).toBe(true);
    expect(asked).toHaveLength(24);
    expect(fetched.alreadyHeld).toBe(25);
    expect(maxInFlight()).toBe(3);
  });

  it('stops with BroadcastDroppedError when aborted', async () => {
    const { manifest, holders, fetchBlock, everyPieceEverywhere } = setup(400_000, 4096, [DRIVER_HOLDER]);
    const controller = new AbortController();
    const done = fetchBroadcastPieces(manifest, everyPieceEverywhere, {
      fetchBlock,
      random: seeded(1),
      signal: controller.signal,
      onPiece: () => controller.abort(),
    });
    await expect(done).rejects.toBeInstanceOf(BroadcastDroppedError);
    // the workers stopped soon after: nowhere near every piece was asked for
    expect(holders[0]!.requests.length).toBeLessThan(10);
  });
});
