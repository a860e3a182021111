import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  BroadcastDroppedError,
  BroadcastFetchError,
  BroadcastPieceStore,
  parsePieceBlockId,
  splitIntoPieces,
  type FetchBlock,
} from '../../../src/core/broadcast-pieces/index.js';
import { BroadcastReceiver } from '../../../src/executor/broadcast-receiver.js';
import { Msg, type BroadcastInfo } from '../../../src/executor/protocol.js';
import { silentLogger } from '../../../src/log.js';

/**
 * An executor's broadcasts: one fetch shared by every task waiting, pieces
 * kept and reported as they are verified, a drop in the middle of a fetch,
 * and a retry after a failed fetch that keeps the pieces already verified.
 */

function broadcast(id: number, size: number, blockSize: number) {
  const bytes = randomBytes(size);
  const { manifest, pieces } = splitIntoPieces(id, bytes, blockSize, true);
  const info: BroadcastInfo = {
    type: Msg.BROADCAST_INFO,
    ...manifest,
    holders: [{ id: 'driver', host: 'drv', port: 7000 }],
    pieceHolders: manifest.pieces.map(() => [0]),
  };
  return { bytes, pieces, info };
}

/** A driver block server in memory; `gate` holds every answer until opened. */
function driverServing(pieces: Buffer[]) {
  const requests: string[] = [];
  const failing = new Set<number>();
  let open!: () => void;
  let gate = new Promise<void>((r) => (open = r));
  const fetchBlock: FetchBlock = async (_address, blockId) => {
    requests.push(blockId);
    await gate;
    const { piece } = parsePieceBlockId(blockId)!;
    if (failing.has(piece)) throw new Error(`cannot fetch block ${blockId}: connection refused`);
    return Buffer.from(pieces[piece]!);
  };
  return {
    fetchBlock,
    requests,
    failing,
    open: () => open(),
    close: () => (gate = new Promise<void>((r) => (open = r))),
  };
}

describe('BroadcastReceiver', () => {
  it('shares one fetch among waiting tasks, keeps and reports each verified piece, then answers at once', async () => {
    const { bytes, pieces, info } = broadcast(2, 50_000, 8192);
    const driver = driverServing(pieces);
    const store = new BroadcastPieceStore();
    const reported: number[] = [];
    const r = new BroadcastReceiver({
      executorId: '1',
      fetchBlock: driver.fetchBlock,
      store,
      reportHeld: (id, ps) => {
        expect(id).toBe(2);
        reported.push(...ps);
      },
      logger: silentLogger(),
    });
    expect(r.value(2)).toBeUndefined(); // no info yet
    r.announce(info);
    const a = r.value(2);
    const b = r.value(2);
    expect(a).toBeInstanceOf(Promise);
    expect(b).toBe(a);
    driver.open();
    expect((await a)!.equals(bytes)).toBe(true);
    expect(driver.requests).toHaveLength(7); // one request per piece, not per task
    expect(reported.sort((x, y) => x - y)).toEqual([0, 1, 2, 3, 4, 5, 6]);
    // served from here now, as views of the assembled value
    expect(store.piecesOf(2)).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(store.stats.bytes).toBe(50_000);
    const h = (await store.open('broadcast_2_piece3'))!;
    expect((await h.read(0, h.length)).equals(pieces[3]!)).toBe(true);
    const again = r.value(2);
    expect(Buffer.isBuffer(again)).toBe(true);
    expect(driver.requests).toHaveLength(7);
  });

  it('stops a fetch when the broadcast is dropped: waiting tasks fail, nothing is kept or reported after', async () => {
    const { pieces, info } = broadcast(4, 40_000, 8192);
    const driver = driverServing(pieces);
    const store = new BroadcastPieceStore();
    const reported: number[] = [];
    const r = new BroadcastReceiver({
      executorId: '1',
      fetchBlock: driver.fetchBlock,
      store,
      reportHeld: (_id, ps) => reported.push(...ps),
      logger: silentLogger(),
    });
    r.announce(info);
    const waiting = r.value(4) as Promise<Buffer>;
    r.drop(4);
    driver.open();
    await expect(waiting).rejects.toBeInstanceOf(BroadcastDroppedError);
    expect(reported).toEqual([]);
    expect(store.piecesOf(4)).toEqual([]);
    // the info went with it: a task needing it now finds nothing to fetch
    expect(r.value(4)).toBeUndefined();
  });

  it('fails the waiting tasks when a piece cannot be had; the next task fetches again, keeping verified pieces', async () => {
    const { bytes, pieces, info } = broadcast(6, 30_000, 8192);
    const driver = driverServing(pieces);
    driver.failing.add(1);
    const store = new BroadcastPieceStore();
    const r = new BroadcastReceiver({
      executorId: '1',
      fetchBlock: driver.fetchBlock,
      store,
      reportHeld: () => undefined,
      logger: silentLogger(),
      concurrency: 1,
    });
    r.announce(info);
    driver.open();
    const first = r.value(6) as Promise<Buffer>;
    await expect(first).rejects.toBeInstanceOf(BroadcastFetchError);
    await expect(first).rejects.toThrow(/piece 1 of broadcast 6/);
    const before = driver.requests.length;
    const verified = store.piecesOf(6);
    driver.failing.clear();
    const second = await r.value(6);
    expect(second!.equals(bytes)).toBe(true);
    // only the pieces missing after the first attempt were asked for again
    expect(driver.requests.length - before).toBe(4 - verified.length);
  });

  it('without a block server it fetches but neither keeps pieces to serve nor reports them', async () => {
    const { bytes, pieces, info } = broadcast(8, 20_000, 8192);
    const driver = driverServing(pieces);
    driver.open();
    const reported: number[] = [];
    const r = new BroadcastReceiver({
      executorId: '1',
      fetchBlock: driver.fetchBlock,
      reportHeld: (_id, ps) => reported.push(...ps),
      logger: silentLogger(),
    });
    r.announce(info);
    expect((await r.value(8))!.equals(bytes)).toBe(true);
    expect(reported).toEqual([]);
  });
});
