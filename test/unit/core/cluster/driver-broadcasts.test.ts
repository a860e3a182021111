import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { SparkConf } from '../../../../src/conf/spark-conf.js';
import {
  assemblePieces,
  BroadcastPieceStore,
  fetchBroadcastPieces,
} from '../../../../src/core/broadcast-pieces/index.js';
import {
  broadcastPieceSettings,
  DriverBroadcasts,
} from '../../../../src/core/scheduler/cluster/driver-broadcasts.js';
import { BlockClientPool, BlockServer } from '../../../../src/core/shuffle/remote/index.js';
import { silentLogger } from '../../../../src/log.js';

/**
 * The driver's side of broadcasting in pieces with real parts: its block
 * server on loopback, a real authenticated client pool fetching the pieces,
 * an executor's block server serving the pieces it fetched, and the info
 * the driver builds for the next executor.
 */

const SECRET = Buffer.from('driver-broadcasts-unit-test-secret');
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function driver(blockSize = 1000): Promise<DriverBroadcasts> {
  const d = new DriverBroadcasts({
    blockSize,
    checksum: true,
    blockManagerPort: 0,
    bindAddress: '127.0.0.1',
    advertisedHost: '127.0.0.1',
    secret: SECRET,
    logger: silentLogger(),
  });
  await d.start();
  cleanups.push(() => d.stop());
  return d;
}

function pool(secret: Uint8Array = SECRET): BlockClientPool {
  const p = new BlockClientPool({ secret, logger: silentLogger(), connectAttempts: 1 });
  cleanups.push(() => p.close());
  return p;
}

describe('broadcastPieceSettings', () => {
  it("reads Spark's keys and defaults: 4m pieces, checksums on, the driver port falling back to spark.blockManager.port", () => {
    expect(broadcastPieceSettings(new SparkConf({}))).toEqual({
      blockSize: 4 * 1024 * 1024,
      checksum: true,
      blockManagerPort: 0,
    });
    expect(
      broadcastPieceSettings(
        new SparkConf({
          'spark.broadcast.blockSize': '512', // a bare number is KiB, as in Spark
          'spark.broadcast.checksum': 'false',
          'spark.blockManager.port': '7100',
        }),
      ),
    ).toEqual({ blockSize: 512 * 1024, checksum: false, blockManagerPort: 7100 });
    expect(
      broadcastPieceSettings(
        new SparkConf({ 'spark.blockManager.port': '7100', 'spark.driver.blockManager.port': '7200' }),
      ).blockManagerPort,
    ).toBe(7200);
    expect(() => broadcastPieceSettings(new SparkConf({ 'spark.broadcast.blockSize': '0' }))).toThrow(
      /spark\.broadcast\.blockSize is 0 bytes/,
    );
  });
});

describe('DriverBroadcasts', () => {
  it('serves the pieces of a broadcast to authenticated peers and lists executors that report pieces', async () => {
    const d = await driver();
    const value = randomBytes(4500);
    d.register(7, value);
    const info = d.info(7, () => undefined)!;
    expect(info).toMatchObject({ type: 'BroadcastInfo', id: 7, totalBytes: 4500 });
    expect(info.pieces.map((p) => p.length)).toEqual([1000, 1000, 1000, 1000, 500]);
    expect(info.holders).toEqual([{ id: 'driver', host: '127.0.0.1', port: d.address!.port }]);
    expect(info.pieceHolders).toEqual([[0], [0], [0], [0], [0]]);

    // an "executor" fetches every piece over the real block client, then serves them itself
    const executorStore = new BroadcastPieceStore();
    const fetched = await fetchBroadcastPieces(info, info, {
      fetchBlock: (a, id, o) => pool().fetchBlock(a, id, o),
      onPiece: (piece, bytes) => executorStore.put(7, piece, bytes),
    });
    expect(fetched.bytes.equals(value)).toBe(true);
    expect(d.piecesServed).toBe(5);
    const executorServer = await BlockServer.start({
      bindAddress: '127.0.0.1',
      advertisedHost: '127.0.0.1',
      port: 0,
      secret: SECRET,
      logger: silentLogger(),
      executorId: '3',
    });
    cleanups.push(() => executorServer.close());
    executorServer.registerBlockSource('broadcast_', executorStore);
    d.piecesHeld(7, '3', [0, 1, 2, 3, 4]);

    // the next executor's info lists executor 3 for every piece, and executor 3 serves them
    const next = d.info(7, (id) => (id === '3' ? executorServer.address : undefined))!;
    expect(next.holders.map((h) => h.id)).toEqual(['driver', '3']);
    expect(next.pieceHolders).toEqual([[0, 1], [0, 1], [0, 1], [0, 1], [0, 1]]);
    const fromPeer = await Promise.all(
      [0, 1, 2, 3, 4].map((p) => pool().fetchBlock(executorServer.address, `broadcast_7_piece${p}`)),
    );
    expect(assemblePieces(info, fromPeer).equals(value)).toBe(true);

    // unpersist forgets executor copies but keeps the driver's; destroy drops everything
    d.unpersist(7);
    expect(d.holders(7)).toEqual([[], [], [], [], []]);
    expect(d.info(7, () => executorServer.address)!.holders).toHaveLength(1);
    expect(await pool().fetchBlock(d.address!, 'broadcast_7_piece4')).toHaveLength(500);
    d.destroy(7);
    expect(d.info(7, () => undefined)).toBeUndefined();
    await expect(pool().fetchBlock(d.address!, 'broadcast_7_piece0')).rejects.toMatchObject({
      code: 'BLOCK_NOT_FOUND',
    });
  });

  it('refuses a peer without the secret', async () => {
    const d = await driver();
    d.register(1, randomBytes(10));
    await expect(pool(Buffer.from('not-the-secret')).fetchBlock(d.address!, 'broadcast_1_piece0')).rejects.toThrow(
      /secret|auth/i,
    );
  });

  it('forgets a lost executor as a holder', async () => {
    const d = await driver(10);
    d.register(2, randomBytes(25));
    d.piecesHeld(2, '1', [0, 1, 2]);
    d.piecesHeld(2, '2', [1]);
    d.executorLost('1');
    expect(d.holders(2)).toEqual([[], ['2'], []]);
  });
});
