import { TsparkError } from '../../errors.js';

/**
 * No holder could give a good copy of a broadcast piece: each was unreachable,
 * did not have it, or sent bytes that failed the checksum. The task that
 * needed the broadcast fails with this error and is retried: on this
 * executor, a new fetch from the holders named in the info it was sent
 * (pieces already verified are kept); on another executor, from the holders
 * the driver knows when it sends that executor the info.
 */
export class BroadcastFetchError extends TsparkError {
  constructor(
    readonly broadcastId: number,
    readonly piece: number,
    failures: readonly string[],
  ) {
    super(
      'BROADCAST_FETCH_FAILED',
      `Could not fetch piece ${piece} of broadcast ${broadcastId} from any of its ${failures.length} holder(s): ` +
        `${failures.join('; ')}. The driver's block server holds every piece until the broadcast is destroyed: ` +
        'check that executors can reach it (spark.driver.host, spark.driver.blockManager.port) and the logs of the holders',
      { retriable: true, context: { broadcastId, piece, holders: failures.length } },
    );
  }
}

/** The broadcast was unpersisted or destroyed while this executor was fetching it. */
export class BroadcastDroppedError extends TsparkError {
  constructor(readonly broadcastId: number) {
    super(
      'BROADCAST_DROPPED',
      `broadcast ${broadcastId} was unpersisted or destroyed while this executor was fetching it`,
      { retriable: true, context: { broadcastId } },
    );
  }
}
