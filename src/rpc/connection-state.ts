import type { Logger } from '../log.js';
import { RpcStateError } from './errors.js';

/**
 * A connection's lifecycle:
 *
 *   AUTHENTICATING --> OPEN --> CLOSING --> CLOSED
 *          |            |                     ^
 *          +------------+---------------------+   (failure, refusal, peer gone)
 *
 * No application frame is read or written outside OPEN.
 */
export type RpcConnectionState = 'AUTHENTICATING' | 'OPEN' | 'CLOSING' | 'CLOSED';

const ALLOWED: Record<RpcConnectionState, readonly RpcConnectionState[]> = {
  AUTHENTICATING: ['OPEN', 'CLOSED'],
  OPEN: ['CLOSING', 'CLOSED'],
  CLOSING: ['CLOSED'],
  CLOSED: [],
};

export class ConnectionStateMachine {
  private state: RpcConnectionState = 'AUTHENTICATING';

  constructor(private readonly log: Logger) {}

  get current(): RpcConnectionState {
    return this.state;
  }

  /** Moves from `from` to `to`; throws if the connection is not in `from` or the move is not allowed. */
  transition(from: RpcConnectionState, to: RpcConnectionState): void {
    if (this.state !== from || !ALLOWED[from].includes(to)) {
      throw new RpcStateError(
        `invalid connection state transition ${from} -> ${to} (current state ${this.state})`,
      );
    }
    this.log.debug({ from, to }, 'connection state');
    this.state = to;
  }
}
