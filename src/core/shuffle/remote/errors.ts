import { TsparkError } from '../../../errors.js';
import type { FetchFailure } from '../../executor/task-result.js';

/**
 * A reducer could not read one map output: the executor holding it is gone
 * or unreachable, the block is missing, or it came back shorter than its
 * index says. The task ends with a FetchFailed result; the driver then reruns
 * the map task that wrote the block (not the reducer's fault, so it is not
 * counted against spark.task.maxFailures).
 */
export class FetchFailedError extends TsparkError {
  constructor(
    readonly failure: FetchFailure,
    reason: string,
    cause?: unknown,
  ) {
    const where = failure.blockAddress
      ? `the block server of executor ${failure.executorId} at ${failure.blockAddress.host}:${failure.blockAddress.port}`
      : `the local files of executor ${failure.executorId}`;
    super(
      'SHUFFLE_FETCH_FAILED',
      `Failed to fetch shuffle ${failure.shuffleId} map ${failure.mapId} reduce ${failure.reduceId} from ${where}: ${reason}`,
      {
        retriable: true,
        ...(cause === undefined ? {} : { cause }),
        context: {
          shuffleId: failure.shuffleId,
          mapId: failure.mapId,
          reduceId: failure.reduceId,
          executorId: failure.executorId,
        },
      },
    );
  }
}

/** Where a block was asked for, for messages and error context. */
function at(address: { host: string; port: number } | undefined): string {
  return address ? ` at ${address.host}:${address.port}` : '';
}

/**
 * The block server has no such block: no source serves its prefix, or the
 * source does not hold it (a cached partition that was dropped, a task result
 * already removed). Retrying the same server will not help; the caller falls
 * back (another holder, recompute from lineage, rerun the task).
 */
export class BlockNotFoundError extends TsparkError {
  constructor(
    readonly blockId: string,
    where: string,
    address?: { host: string; port: number },
  ) {
    super('BLOCK_NOT_FOUND', `block ${blockId} is not held by ${where}${at(address)}`, {
      retriable: false,
      context: { blockId, ...(address ? { peer: `${address.host}:${address.port}` } : {}) },
    });
  }
}

/** A malformed block request, or an offset past the end of the block: a bug on the requesting side. */
export class BlockRequestError extends TsparkError {
  constructor(message: string, blockId?: string) {
    super('BLOCK_BAD_REQUEST', message, { retriable: false, context: { blockId } });
  }
}

/** A block source failed to read bytes it said it holds (a file gone, a short read). */
export class BlockReadError extends TsparkError {
  constructor(message: string, blockId: string, cause?: unknown) {
    super('BLOCK_READ_FAILED', message, { retriable: true, context: { blockId }, ...(cause === undefined ? {} : { cause }) });
  }
}

/**
 * The block server could not be reached or did not answer (executor gone,
 * connection closed, timeout), also after one retry on a fresh connection.
 */
export class BlockUnreachableError extends TsparkError {
  constructor(
    readonly blockId: string,
    address: { host: string; port: number },
    cause: unknown,
  ) {
    super(
      'BLOCK_UNREACHABLE',
      `cannot fetch block ${blockId} from the block server${at(address)}: ${(cause as Error)?.message ?? String(cause)}`,
      { retriable: true, cause, context: { blockId, peer: `${address.host}:${address.port}` } },
    );
  }
}

/** The block server answered a block request with something else than the block (a read failure, a bad reply). */
export class BlockFetchError extends TsparkError {
  constructor(
    readonly blockId: string,
    address: { host: string; port: number },
    reason: string,
    cause?: unknown,
  ) {
    super('BLOCK_FETCH_FAILED', `fetching block ${blockId} from the block server${at(address)} failed: ${reason}`, {
      retriable: true,
      context: { blockId, peer: `${address.host}:${address.port}` },
      ...(cause === undefined ? {} : { cause }),
    });
  }
}
