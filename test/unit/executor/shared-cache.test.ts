import { afterEach, describe, expect, it } from 'vitest';
import { compute } from '../../../src/core/executor/compute.js';
import { ExecutorState } from '../../../src/core/executor/executor-state.js';
import { PortCacheClient } from '../../../src/core/executor/cache-port.js';
import { emptyTaskIo, type TaskRun } from '../../../src/core/executor/task-run.js';
import type { ParallelPartition, RddSpec } from '../../../src/core/rdd/spec.js';
import { frameBatch } from '../../../src/core/serde.js';
import { BlockServer } from '../../../src/core/shuffle/remote/index.js';
import { ExecutorBlockManager, type BlockLocator } from '../../../src/executor/block-manager.js';
import { silentLogger } from '../../../src/log.js';
import { tempDir } from '../../support/temp-dir.js';

/**
 * One cache per executor process: task threads share the main thread's
 * BlockStore over message ports, and a partition cached on another executor
 * is read from that executor's (real) block server instead of being
 * recomputed; when no holder answers, the task computes it and caches it here.
 * The compute path under test is the engine's own (compute.ts).
 */

const SECRET = 'shared-cache-secret';
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function manager(id: string, locator?: BlockLocator): ExecutorBlockManager {
  const m = new ExecutorBlockManager({
    executorId: id,
    dir: tempDir(`tspark-shared-cache-${id}-`),
    storageMemoryBytes: 16 << 20,
    secret: SECRET,
    logger: silentLogger(),
  });
  if (locator) m.setLocator(locator);
  cleanups.push(() => m.close());
  return m;
}

async function serve(id: string, m: ExecutorBlockManager): Promise<BlockServer> {
  const server = await BlockServer.start({
    bindAddress: '127.0.0.1',
    advertisedHost: '127.0.0.1',
    port: 0,
    secret: SECRET,
    logger: silentLogger(),
    executorId: id,
  });
  server.registerBlockSource('rdd_', m);
  cleanups.push(() => server.close());
  return server;
}

/** A task thread's view: an ExecutorState whose cache is the manager's, over a real MessagePort. */
function taskThread(m: ExecutorBlockManager, id: string): ExecutorState {
  return new ExecutorState({
    executorId: id,
    conf: {},
    localDir: tempDir('tspark-shared-cache-slot-'),
    taskMemoryBytes: 16 << 20,
    storageMemoryBytes: 0,
    cachePort: m.connectTaskThread(),
  });
}

function run(state: ExecutorState): TaskRun {
  return {
    task: { taskId: 1, stageId: 0, stageAttempt: 0, attempt: 0, partition: { index: 0 }, binaryId: 0 },
    state,
    cachedBlocks: [],
    read: { recordsRead: 0, spillCount: 0, spillBytes: 0 },
    io: emptyTaskIo(),
  };
}

async function records(stream: AsyncIterable<unknown[]>): Promise<unknown[]> {
  const out: unknown[] = [];
  for await (const b of stream) out.push(...b);
  return out;
}

const cachedSpec: RddSpec = { rddId: 7, kind: 'parallel', cache: { level: 'MEMORY_ONLY' } };
const partition: ParallelPartition = { index: 0, data: [1, 2, 3] };

describe('one cache per executor', () => {
  it('lets a partition cached by one task thread be read by another, counting its memory once', async () => {
    const m = manager('1');
    const [a, b] = [taskThread(m, '1'), taskThread(m, '1')];
    expect(a.blocks).toBeInstanceOf(PortCacheClient);
    const first = run(a);
    expect(await records(compute(cachedSpec, partition, first))).toEqual([1, 2, 3]);
    expect(first.cachedBlocks).toEqual([{ rddId: 7, partition: 0 }]);
    const second = run(b);
    expect(await records(compute(cachedSpec, partition, second))).toEqual([1, 2, 3]);
    expect(second.cachedBlocks).toEqual([]);
    expect(m.stats).toMatchObject({ puts: 1, localHits: 1, misses: 1, blocks: 1 });
    expect(m.stats.memoryBytes).toBe(frameBatch([1, 2, 3]).length);
    // dropRdd from any thread drops the executor's block
    await b.blocks.removeRdd(7);
    await new Promise((r) => setTimeout(r, 50));
    expect(m.stats.blocks).toBe(0);
  });

  it('reads a partition cached on another executor from its block server instead of computing it', async () => {
    const holder = manager('1');
    const server = await serve('1', holder);
    // what executor 1 cached differs from what computing would give: the answer shows where it came from
    await holder.put('rdd_7_0', Buffer.concat([frameBatch([100, 200]), frameBatch([300])]), 'MEMORY_ONLY');
    const asked: string[] = [];
    const reader = manager('2', (blockId) => {
      asked.push(blockId);
      return Promise.resolve([{ executorId: '1', address: server.address }]);
    });
    const r = run(taskThread(reader, '2'));
    expect(await records(compute(cachedSpec, partition, r))).toEqual([100, 200, 300]);
    expect(asked).toEqual(['rdd_7_0']);
    expect(reader.stats).toMatchObject({ remoteHits: 1, puts: 0, blocks: 0 });
    // a block read from a peer is not reported as cached here
    expect(r.cachedBlocks).toEqual([]);
    expect(server.served.chunks).toBe(1);
  });

  it('computes the partition from lineage and caches it here when no holder can serve it', async () => {
    const holder = manager('1');
    const server = await serve('1', holder);
    const goneAddress = { ...server.address };
    await server.close();
    const reader = manager('2', () =>
      Promise.resolve([
        { executorId: '1', address: goneAddress },
        { executorId: '3', address: goneAddress },
      ]),
    );
    const r = run(taskThread(reader, '2'));
    expect(await records(compute(cachedSpec, partition, r))).toEqual([1, 2, 3]);
    expect(reader.stats).toMatchObject({ remoteHits: 0, remoteFailures: 2, misses: 1, puts: 1 });
    expect(r.cachedBlocks).toEqual([{ rddId: 7, partition: 0 }]);
  });
});
