import { join } from 'node:path';
import { Config } from '../../conf/registry.js';
import { silentLogger } from '../../log.js';
import {
  MemoryBudget,
  readLocalShuffleBlock,
  readShuffleInput,
  ShuffleBlockError,
  writeShuffleOutput,
  type MapOutput,
} from '../shuffle/index.js';
import {
  BlockClientPool,
  DEFAULT_FETCH_CHUNK_BYTES,
  FetchFailedError,
  ShuffleBlockFetcher,
  type RemoteBlock,
} from '../shuffle/remote/index.js';
import { partitionerFromSpec } from '../partitioner.js';
import type { MapOutputRef, ShuffleReadSource, StageBinary } from '../rdd/spec.js';
import { buildAggregator } from './aggregators.js';
import type { ExecutorOptions, ExecutorState } from './executor-state.js';
import type { BlockAddress, FetchFailure } from './task-result.js';
import type { TaskRun } from './task-run.js';
import { countBytes } from '../io/count-bytes.js';

/**
 * The executor's use of the shuffle (src/core/shuffle, see
 * docs/internals/engine-contracts.md and docs/internals/shuffle.md): a map
 * task writes one data + index file; a reduce task reads its range of every
 * map output. It reads the files itself when they are on its own disk (local
 * mode: no block address; a cluster: the same executor) and fetches the rest
 * from the block servers of the executors that wrote them. A block that
 * cannot be read becomes a fetch failure of the task.
 */

/**
 * What a cluster executor's task threads get (in workerData, never in the
 * configuration, never logged): its own block server's address, stamped on
 * the map outputs it writes, and the application secret, to fetch from other
 * executors' block servers. Absent in local mode.
 */
export interface ExecutorBlockManagerOptions {
  address: BlockAddress;
  secret: Uint8Array;
  maxFrameBytes?: number;
  requestTimeoutMs?: number;
}

export type ExecutorOptionsWithBlockManager = ExecutorOptions & {
  blockManager?: ExecutorBlockManagerOptions;
};

function blockManagerOf(state: ExecutorState): ExecutorBlockManagerOptions | undefined {
  return (state.options as ExecutorOptionsWithBlockManager).blockManager;
}

export function shuffleDir(run: TaskRun): string {
  return join(run.state.options.localDir, 'shuffle');
}

export async function writeShuffle(
  records: AsyncIterable<unknown[]>,
  write: NonNullable<StageBinary['shuffleWrite']>,
  run: TaskRun,
): Promise<MapOutput & { blockAddress?: BlockAddress }> {
  const aggregator = write.aggregator ? await buildAggregator(write.aggregator, run.state) : undefined;
  const out = await writeShuffleOutput(records as AsyncIterable<[unknown, unknown][]>, {
    shuffleId: write.shuffleId,
    mapId: run.task.partition.index,
    partitioner: partitionerFromSpec(write.partitioner),
    ...(aggregator ? { aggregator } : {}),
    ...(write.sortKeys ? { sortKeys: write.sortKeys } : {}),
    dir: shuffleDir(run),
    memory: new MemoryBudget(run.state.options.taskMemoryBytes),
  });
  const bm = blockManagerOf(run.state);
  return bm ? { ...out, blockAddress: bm.address } : out;
}

/** The fetch failure a task ran into, if any (even if user code caught the error). */
const fetchFailures = new WeakMap<TaskRun, FetchFailure>();

export function fetchFailureOf(run: TaskRun): FetchFailure | undefined {
  return fetchFailures.get(run);
}

/** One connection pool per task thread (ExecutorState), shared by its tasks. */
const pools = new WeakMap<ExecutorState, BlockClientPool>();

function clientPool(state: ExecutorState, bm: ExecutorBlockManagerOptions): BlockClientPool {
  let pool = pools.get(state);
  if (!pool) {
    pool = new BlockClientPool({
      secret: bm.secret,
      logger: silentLogger(),
      ...(bm.maxFrameBytes === undefined ? {} : { maxFrameBytes: bm.maxFrameBytes }),
      ...(bm.requestTimeoutMs === undefined ? {} : { requestTimeoutMs: bm.requestTimeoutMs }),
    });
    pools.set(state, pool);
  }
  return pool;
}

export async function* readShuffle(
  read: ShuffleReadSource,
  reduceId: number,
  run: TaskRun,
): AsyncGenerator<unknown[]> {
  const aggregator = read.aggregator ? await buildAggregator(read.aggregator, run.state) : undefined;
  const { blocks, fetcher } = shuffleBlocks(read, reduceId, run);
  const metrics = { recordsRead: 0, spillCount: 0, spillBytes: 0 };
  try {
    yield* readShuffleInput(blocks, {
      ...(aggregator ? { aggregator } : {}),
      mapSideCombined: read.mapSideCombined,
      // map tasks of a sorted shuffle wrote sorted blocks: the reducer only merges
      ...(read.sortKeys ? { sortKeys: read.sortKeys, inputsSorted: read.mapSideSorted === true } : {}),
      dir: shuffleDir(run),
      memory: new MemoryBudget(run.state.options.taskMemoryBytes),
      metrics,
    });
  } catch (e) {
    if (e instanceof FetchFailedError && !fetchFailures.has(run)) fetchFailures.set(run, e.failure);
    throw e;
  } finally {
    fetcher?.close();
    run.read.recordsRead += metrics.recordsRead;
    run.read.spillCount += metrics.spillCount;
    run.read.spillBytes += metrics.spillBytes;
  }
}

/** One byte stream per map output, in map order: local files read here, the rest fetched. */
function shuffleBlocks(
  read: ShuffleReadSource,
  reduceId: number,
  run: TaskRun,
): { blocks: AsyncIterable<Buffer>[]; fetcher: ShuffleBlockFetcher | undefined } {
  const me = run.state.options.executorId;
  const blocks: AsyncIterable<Buffer>[] = new Array<AsyncIterable<Buffer>>(read.mapOutputs.length);
  const remote: { mapId: number; block: RemoteBlock }[] = [];
  read.mapOutputs.forEach((out, mapId) => {
    if (!out.blockAddress || out.executorId === me) {
      blocks[mapId] = countBytes(localBlock(out, {
        shuffleId: read.shuffleId,
        mapId,
        reduceId,
        executorId: out.executorId ?? me,
      }), (n) => (run.io.shuffleBytesRead += n));
    } else {
      remote.push({
        mapId,
        block: {
          shuffleId: read.shuffleId,
          mapId,
          reduceId,
          executorId: out.executorId ?? '?',
          address: out.blockAddress,
        },
      });
    }
  });
  if (remote.length === 0) return { blocks, fetcher: undefined };
  const bm = blockManagerOf(run.state);
  if (!bm) {
    throw new Error(
      `shuffle ${read.shuffleId} has map outputs on other executors, but executor ${me} was started without a block manager ` +
        '(the application secret and its block server), so it cannot fetch them',
    );
  }
  const pool = clientPool(run.state, bm);
  const fetcher = new ShuffleBlockFetcher(
    remote.map((r) => r.block),
    {
      maxBytesInFlight: run.state.conf.require(Config.REDUCER_MAX_SIZE_IN_FLIGHT),
      chunkBytes: DEFAULT_FETCH_CHUNK_BYTES,
      fetchChunk: (address, request) => pool.fetchChunk(address, request),
    },
  );
  const streams = fetcher.streams();
  const addRemote = (n: number): void => {
    run.io.shuffleBytesRead += n;
    run.io.shuffleRemoteBytesRead += n;
  };
  remote.forEach((r, i) => (blocks[r.mapId] = countBytes(streams[i]!, addRemote)));
  return { blocks, fetcher };
}

/** A map output on this executor's disk; a missing or short file is a fetch failure, as a remote one would be. */
async function* localBlock(out: MapOutputRef, failure: FetchFailure): AsyncGenerator<Buffer> {
  try {
    yield* readLocalShuffleBlock(out, failure.reduceId);
  } catch (e) {
    if (e instanceof ShuffleBlockError) throw new FetchFailedError(failure, e.message, e);
    throw e;
  }
}
