import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import {
  BlockClientPool,
  BlockFetchError,
  BlockMsg,
  BlockNotFoundError,
  BlockServer,
  BlockUnreachableError,
  bufferHandle,
  MemoryBlockSource,
  ShuffleBlockServer,
  type BlockSource,
} from '../../../../src/core/shuffle/remote/index.js';
import { silentLogger } from '../../../../src/log.js';
import { RpcClient } from '../../../../src/rpc/rpc-client.js';

/**
 * Blocks by id (FetchBlockChunk) between a real block server and a real
 * client pool on loopback, over the authenticated RPC layer. Sources are our
 * own in-memory ones; the bytes fetched are compared with the bytes put.
 */

const SECRET = 'block-fetch-unit-test-secret';
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function startServer(id = '1'): Promise<BlockServer> {
  const server = await BlockServer.start({
    bindAddress: '127.0.0.1',
    advertisedHost: '127.0.0.1',
    port: 0,
    secret: SECRET,
    logger: silentLogger(),
    executorId: id,
  });
  cleanups.push(() => server.close());
  return server;
}

function newPool(options: { secret?: string; requestTimeoutMs?: number } = {}): BlockClientPool {
  const pool = new BlockClientPool({
    secret: options.secret ?? SECRET,
    logger: silentLogger(),
    connectAttempts: 1,
    ...(options.requestTimeoutMs === undefined ? {} : { requestTimeoutMs: options.requestTimeoutMs }),
  });
  cleanups.push(() => pool.close());
  return pool;
}

describe('block fetch by id', () => {
  it('is the same class under both names', () => {
    expect(BlockServer).toBe(ShuffleBlockServer);
  });

  it('fetches whole blocks of any size in chunks, several at once on one connection', async () => {
    const server = await startServer();
    const results = new MemoryBlockSource();
    const rdds = new MemoryBlockSource();
    server.registerBlockSource('taskresult_', results).registerBlockSource('rdd_', rdds);
    const big = randomBytes(4096 * 3 + 1000);
    const other = randomBytes(5000);
    results.put('taskresult_17', big);
    rdds.put('rdd_3_0', other);
    rdds.put('rdd_3_1', Buffer.alloc(0));
    const pool = newPool();
    const [a, b, empty] = await Promise.all([
      pool.fetchBlock(server.address, 'taskresult_17', { chunkBytes: 4096 }),
      pool.fetchBlock(server.address, 'rdd_3_0', { chunkBytes: 4096 }),
      pool.fetchBlock(server.address, 'rdd_3_1'),
    ]);
    expect(a.equals(big)).toBe(true);
    expect(b.equals(other)).toBe(true);
    expect(empty.length).toBe(0);
    // 4 + 2 + 1 chunk requests, all multiplexed on one connection
    expect(server.served).toEqual({ chunks: 7, bytes: big.length + other.length });
    expect(pool.size).toBe(1);
  });

  it('uses 1 MiB chunks by default', async () => {
    const server = await startServer();
    const source = new MemoryBlockSource();
    server.registerBlockSource('broadcast_', source);
    const bytes = randomBytes(2.5 * 1024 * 1024);
    source.put('broadcast_4_piece0', bytes);
    const got = await newPool().fetchBlock(server.address, 'broadcast_4_piece0');
    expect(got.equals(bytes)).toBe(true);
    expect(server.served.chunks).toBe(3);
  });

  it('answers an unknown block with BLOCK_NOT_FOUND, whether its prefix has a source or not', async () => {
    const server = await startServer();
    server.registerBlockSource('rdd_', new MemoryBlockSource());
    const pool = newPool();
    const missing = await pool.fetchBlock(server.address, 'rdd_1_2').catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(BlockNotFoundError);
    expect(missing).toMatchObject({ code: 'BLOCK_NOT_FOUND', blockId: 'rdd_1_2' });
    expect((missing as Error).message).toContain('rdd_1_2');
    const noSource = await pool.fetchBlock(server.address, 'taskresult_9').catch((e: unknown) => e);
    expect(noSource).toBeInstanceOf(BlockNotFoundError);
  });

  it('refuses malformed requests and offsets past the end with BLOCK_BAD_REQUEST', async () => {
    const server = await startServer();
    const source = new MemoryBlockSource();
    source.put('rdd_1_0', Buffer.from('0123456789'));
    server.registerBlockSource('rdd_', source);
    const conn = await RpcClient.connect(server.address.host, server.address.port, SECRET, {
      logger: silentLogger(),
      attempts: 1,
    });
    cleanups.push(() => conn.close('test over'));
    const ask = (m: Record<string, unknown>): Promise<unknown> =>
      conn.request({ type: BlockMsg.FETCH_BLOCK_CHUNK, ...m }).then(
        () => undefined,
        (e: unknown) => e,
      );
    for (const bad of [
      { blockId: '../etc/passwd', offset: 0, maxBytes: 10 },
      { blockId: 'rdd_1_0', offset: -1, maxBytes: 10 },
      { blockId: 'rdd_1_0', offset: 0, maxBytes: 0 },
      { blockId: 'rdd_1_0', offset: 0, maxBytes: 1 << 30 },
      { blockId: 42, offset: 0, maxBytes: 10 },
      { blockId: 'rdd_1_0', offset: 11, maxBytes: 10 },
    ]) {
      expect(await ask(bad)).toMatchObject({ remoteCode: 'BLOCK_BAD_REQUEST' });
    }
    // the connection survives bad requests
    const ok = await conn.request({ type: BlockMsg.FETCH_BLOCK_CHUNK, blockId: 'rdd_1_0', offset: 4, maxBytes: 3 });
    expect(ok.message).toMatchObject({ type: BlockMsg.BLOCK_CHUNK, blockLength: 10, offset: 4 });
    expect(ok.body.toString()).toBe('456');
    expect(() => server.registerBlockSource('rdd', new MemoryBlockSource())).toThrow(/prefix/);
  });

  it('turns a source that fails to read into BlockFetchError, without retrying it', async () => {
    const server = await startServer();
    let opens = 0;
    const failing: BlockSource = {
      open: () => {
        opens++;
        return Promise.resolve({ length: 100, read: () => Promise.reject(new Error('disk on fire')) });
      },
    };
    server.registerBlockSource('rdd_', failing);
    const err = await newPool().fetchBlock(server.address, 'rdd_0_0').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BlockFetchError);
    expect((err as Error).message).toContain('disk on fire');
    expect(opens).toBe(1);
  });

  it('retries a chunk request that got no answer once, on a fresh connection', async () => {
    const server = await startServer();
    const bytes = randomBytes(3000);
    let opens = 0;
    const slowFirst: BlockSource = {
      open: async () => {
        opens++;
        // the first request is never answered in time; the retry is
        if (opens === 1) await new Promise((r) => setTimeout(r, 1500));
        return bufferHandle(bytes);
      },
    };
    server.registerBlockSource('taskresult_', slowFirst);
    const pool = newPool({ requestTimeoutMs: 300 });
    const got = await pool.fetchBlock(server.address, 'taskresult_1');
    expect(got.equals(bytes)).toBe(true);
    expect(opens).toBe(2);
    expect(pool.size).toBe(1);
  });

  it('reports a server that is gone, or that refuses our secret, as BlockUnreachableError', async () => {
    const server = await startServer();
    const source = new MemoryBlockSource();
    source.put('rdd_0_0', Buffer.from('x'));
    server.registerBlockSource('rdd_', source);
    const wrong = await newPool({ secret: 'not-the-application-secret' })
      .fetchBlock(server.address, 'rdd_0_0')
      .catch((e: unknown) => e);
    expect(wrong).toBeInstanceOf(BlockUnreachableError);
    const pool = newPool();
    expect((await pool.fetchBlock(server.address, 'rdd_0_0')).toString()).toBe('x');
    await server.close();
    const gone = await pool.fetchBlock(server.address, 'rdd_0_0').catch((e: unknown) => e);
    expect(gone).toBeInstanceOf(BlockUnreachableError);
    expect(gone).toMatchObject({ code: 'BLOCK_UNREACHABLE', blockId: 'rdd_0_0' });
  });
});
