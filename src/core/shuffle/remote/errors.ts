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
