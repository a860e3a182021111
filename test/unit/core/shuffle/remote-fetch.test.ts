import { rmSync, truncateSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { HashPartitioner } from '../../../../src/core/partitioner.js';
import { MemoryBudget, readShuffleInput, writeShuffleOutput } from '../../../../src/core/shuffle/index.js';
import {
  BlockClientPool,
  FetchFailedError,
  ShuffleBlockFetcher,
  ShuffleBlockServer,
  ShuffleFileResolver,
  type FetchChunk,
  type RemoteBlock,
} from '../../../../src/core/shuffle/remote/index.js';
import { silentLogger } from '../../../../src/log.js';
import { tempDir } from '../../../support/temp-dir.js';
import { batchesOf, collect, sumAggregator, type Rec } from './helpers.js';

/**
 * The reducer's fetch path against real block servers on loopback: map
 * outputs written by the real shuffle writer into two "executors'"
 * directories, served by ShuffleBlockServer over the authenticated RPC layer,
 * fetched by BlockClientPool + ShuffleBlockFetcher and decoded by the real
 * reader. Expected values are computed here from the input records.
 */

const SECRET = 'remote-fetch-unit-test-secret';
const REDUCERS = 3;
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** Map task `mapId`'s records: keys 0..keys-1, each with value mapId * 1000 + i. */
function mapRecords(mapId: number, count: number, keys: number): Rec[] {
  return Array.from({ length: count }, (_, i) => [i % keys, mapId * 1000 + i] as Rec);
}

interface Executor {
  id: string;
  dir: string;
  server: ShuffleBlockServer;
}

async function startExecutor(id: string): Promise<Executor> {
  const dir = join(tempDir(`tspark-remote-fetch-${id}-`), 'shuffle');
  const server = await ShuffleBlockServer.start({
    bindAddress: '127.0.0.1',
    advertisedHost: '127.0.0.1',
    port: 0,
    secret: SECRET,
    resolver: new ShuffleFileResolver([dir]),
    logger: silentLogger(),
    executorId: id,
  });
  cleanups.push(() => server.close());
  return { id, dir, server };
}

async function writeMap(e: Executor, shuffleId: number, mapId: number, records: Rec[]): Promise<void> {
  await writeShuffleOutput(batchesOf(records, 500), {
    shuffleId,
    mapId,
    partitioner: new HashPartitioner(REDUCERS),
    dir: e.dir,
    memory: new MemoryBudget(64 << 20),
  });
}

function newPool(secret = SECRET): BlockClientPool {
  const pool = new BlockClientPool({ secret, logger: silentLogger(), connectAttempts: 1 });
  cleanups.push(() => pool.close());
  return pool;
}

/** Reads a byte stream to its end; resolves with the bytes. */
async function readAll(stream: AsyncIterable<Buffer>): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const b of stream) parts.push(b);
  return Buffer.concat(parts);
}

function block(e: Executor, shuffleId: number, mapId: number, reduceId: number): RemoteBlock {
  return { shuffleId, mapId, reduceId, executorId: e.id, address: e.server.address };
}

describe('remote shuffle fetch against real block servers', () => {
  it('fetches every map output of a reduce partition from two executors in parallel, within the bytes-in-flight bound', async () => {
    const [a, b] = [await startExecutor('1'), await startExecutor('2')];
    const numMaps = 6;
    const inputs: Rec[][] = [];
    for (let m = 0; m < numMaps; m++) {
      inputs.push(mapRecords(m, 4000, 50));
      await writeMap(m % 2 === 0 ? a : b, 7, m, inputs[m]!);
    }
    const pool = newPool();
    let inFlightRequests = 0;
    let maxConcurrentRequests = 0;
    const fetchChunk: FetchChunk = async (address, request) => {
      inFlightRequests++;
      maxConcurrentRequests = Math.max(maxConcurrentRequests, inFlightRequests);
      try {
        return await pool.fetchChunk(address, request);
      } finally {
        inFlightRequests--;
      }
    };
    const chunkBytes = 4096;
    const maxBytesInFlight = 16 * 1024;
    for (let reduceId = 0; reduceId < REDUCERS; reduceId++) {
      let observedMax = 0;
      const fetcher = new ShuffleBlockFetcher(
        inputs.map((_, m) => block(m % 2 === 0 ? a : b, 7, m, reduceId)),
        {
          maxBytesInFlight,
          chunkBytes,
          fetchChunk,
          onBytesInFlight: (n) => (observedMax = Math.max(observedMax, n)),
        },
      );
      const got = await collect(
        readShuffleInput(fetcher.streams(), {
          mapSideCombined: false,
          dir: tempDir('tspark-rf-'),
          memory: new MemoryBudget(64 << 20),
        }),
      );
      // every record of this reduce partition, from every map, exactly once
      const partitioner = new HashPartitioner(REDUCERS);
      const expected = inputs.flat().filter(([k]) => partitioner.getPartition(k) === reduceId);
      expect(got).toEqual(expected);
      // a sequential reader waits on one block at a time: at most one chunk beyond the budget
      expect(observedMax).toBeLessThanOrEqual(maxBytesInFlight + chunkBytes);
      expect(fetcher.peak).toBe(observedMax);
      expect(observedMax).toBeGreaterThan(chunkBytes);
    }
    expect(maxConcurrentRequests).toBeGreaterThan(1);
    expect(pool.size).toBe(2);
    expect(a.server.served.bytes + b.server.served.bytes).toBeGreaterThan(0);
  });

  it('feeds a merging, aggregating reader (reduceByKey) with blocks much larger than the budget', async () => {
    const [a, b] = [await startExecutor('1'), await startExecutor('2')];
    const inputs = [mapRecords(0, 20_000, 97), mapRecords(1, 20_000, 97), mapRecords(2, 20_000, 97)];
    await writeMap(a, 3, 0, inputs[0]!);
    await writeMap(b, 3, 1, inputs[1]!);
    await writeMap(a, 3, 2, inputs[2]!);
    const pool = newPool();
    const partitioner = new HashPartitioner(REDUCERS);
    for (let reduceId = 0; reduceId < REDUCERS; reduceId++) {
      const fetcher = new ShuffleBlockFetcher(
        [block(a, 3, 0, reduceId), block(b, 3, 1, reduceId), block(a, 3, 2, reduceId)],
        { maxBytesInFlight: 8192, chunkBytes: 2048, fetchChunk: (addr, r) => pool.fetchChunk(addr, r) },
      );
      const got = await collect(
        readShuffleInput(fetcher.streams(), {
          aggregator: sumAggregator,
          mapSideCombined: false,
          dir: tempDir('tspark-rf-'),
          memory: new MemoryBudget(64 << 20),
        }),
      );
      const expected = new Map<unknown, number>();
      for (const [k, v] of inputs.flat()) {
        if (partitioner.getPartition(k) === reduceId) expected.set(k, (expected.get(k) ?? 0) + (v as number));
      }
      expect(new Map(got as [unknown, number][])).toEqual(expected);
    }
  });

  it('feeds a reader merging sorted blocks (sortByKey) without deadlock when the budget is smaller than one chunk per block', async () => {
    const [a, b] = [await startExecutor('1'), await startExecutor('2')];
    const inputs = [mapRecords(0, 5000, 1000), mapRecords(1, 5000, 1000), mapRecords(2, 5000, 1000)];
    for (let m = 0; m < inputs.length; m++) {
      await writeShuffleOutput(batchesOf(inputs[m]!, 500), {
        shuffleId: 8,
        mapId: m,
        partitioner: new HashPartitioner(REDUCERS),
        sortKeys: 'ascending',
        dir: (m === 1 ? b : a).dir,
        memory: new MemoryBudget(64 << 20),
      });
    }
    const pool = newPool();
    const partitioner = new HashPartitioner(REDUCERS);
    for (let reduceId = 0; reduceId < REDUCERS; reduceId++) {
      const fetcher = new ShuffleBlockFetcher(
        [block(a, 8, 0, reduceId), block(b, 8, 1, reduceId), block(a, 8, 2, reduceId)],
        { maxBytesInFlight: 1024, chunkBytes: 2048, fetchChunk: (addr, r) => pool.fetchChunk(addr, r) },
      );
      const got = await collect(
        readShuffleInput(fetcher.streams(), {
          mapSideCombined: false,
          sortKeys: 'ascending',
          inputsSorted: true,
          dir: tempDir('tspark-rf-'),
          memory: new MemoryBudget(64 << 20),
        }),
      );
      const keys = inputs
        .flat()
        .filter(([k]) => partitioner.getPartition(k) === reduceId)
        .map(([k]) => k as number)
        .sort((x, y) => x - y);
      expect(got.map(([k]) => k)).toEqual(keys);
      // the reader holds the head of all three blocks at once: at most one chunk each beyond the budget
      expect(fetcher.peak).toBeLessThanOrEqual(1024 + 3 * 2048);
    }
  });

  it('turns a missing map output into a FetchFailedError naming the shuffle, the map and the executor', async () => {
    const a = await startExecutor('1');
    await writeMap(a, 4, 0, mapRecords(0, 100, 10));
    const pool = newPool();
    const fetcher = new ShuffleBlockFetcher([block(a, 4, 0, 0), block(a, 4, 5, 0)], {
      maxBytesInFlight: 1 << 20,
      chunkBytes: 4096,
      fetchChunk: (addr, r) => pool.fetchChunk(addr, r),
    });
    const err = await collect(
      readShuffleInput(fetcher.streams(), {
        mapSideCombined: false,
        dir: tempDir('tspark-rf-'),
        memory: new MemoryBudget(1 << 20),
      }),
    ).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FetchFailedError);
    const f = (err as FetchFailedError).failure;
    expect(f).toMatchObject({ shuffleId: 4, mapId: 5, reduceId: 0, executorId: '1' });
    expect(f.blockAddress).toEqual(a.server.address);
    expect((err as Error).message).toMatch(/has no map output for shuffle 4 map 5/);
  });

  it('turns a data file shorter than its index into a FetchFailedError', async () => {
    const a = await startExecutor('1');
    await writeMap(a, 5, 0, mapRecords(0, 3000, 30));
    truncateSync(join(a.dir, 'shuffle_5_0_0.data'), 100);
    const pool = newPool();
    // the last reduce partition lies past byte 100 of the data file
    const fetcher = new ShuffleBlockFetcher([block(a, 5, 0, REDUCERS - 1)], {
      maxBytesInFlight: 1 << 20,
      chunkBytes: 4096,
      fetchChunk: (addr, r) => pool.fetchChunk(addr, r),
    });
    const err = await collect(
      readShuffleInput(fetcher.streams(), {
        mapSideCombined: false,
        dir: tempDir('tspark-rf-'),
        memory: new MemoryBudget(1 << 20),
      }),
    ).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FetchFailedError);
    expect((err as Error).message).toMatch(/shorter than its index says/);
  });

  it('turns an executor that is gone (connection refused) and a wrong secret into FetchFailedErrors', async () => {
    const a = await startExecutor('1');
    await writeMap(a, 6, 0, mapRecords(0, 100, 10));
    const address = a.server.address;

    const wrong = newPool('not-the-application-secret');
    const refusedAuth = await readAll(
      new ShuffleBlockFetcher([block(a, 6, 0, 0)], {
        maxBytesInFlight: 1 << 20,
        chunkBytes: 4096,
        fetchChunk: (addr, r) => wrong.fetchChunk(addr, r),
      }).streams()[0]!,
    ).catch((e: unknown) => e);
    expect(refusedAuth).toBeInstanceOf(FetchFailedError);
    expect(a.server.served.chunks).toBe(0);

    await a.server.close();
    rmSync(a.dir, { recursive: true, force: true });
    const pool = newPool();
    const gone = await readAll(
      new ShuffleBlockFetcher([{ shuffleId: 6, mapId: 0, reduceId: 0, executorId: '1', address }], {
        maxBytesInFlight: 1 << 20,
        chunkBytes: 4096,
        fetchChunk: (addr, r) => pool.fetchChunk(addr, r),
      }).streams()[0]!,
    ).catch((e: unknown) => e);
    expect(gone).toBeInstanceOf(FetchFailedError);
    expect((gone as FetchFailedError).failure).toMatchObject({ shuffleId: 6, mapId: 0, executorId: '1' });
    expect((gone as Error).message).toMatch(/cannot reach the block server/);
  });
});
