import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../../src/log.js';
import { ConnectionStateMachine } from '../../../src/rpc/connection-state.js';
import { RpcStateError } from '../../../src/rpc/errors.js';

describe('ConnectionStateMachine', () => {
  it('allows the lifecycle AUTHENTICATING -> OPEN -> CLOSING -> CLOSED', () => {
    const s = new ConnectionStateMachine(silentLogger());
    expect(s.current).toBe('AUTHENTICATING');
    s.transition('AUTHENTICATING', 'OPEN');
    s.transition('OPEN', 'CLOSING');
    s.transition('CLOSING', 'CLOSED');
    expect(s.current).toBe('CLOSED');
  });

  it('refuses moves that skip authentication, leave CLOSED, or start from the wrong state', () => {
    const fresh = () => new ConnectionStateMachine(silentLogger());
    expect(() => fresh().transition('AUTHENTICATING', 'CLOSING')).toThrow(RpcStateError);
    expect(() => fresh().transition('OPEN', 'CLOSED')).toThrow(
      /invalid connection state transition OPEN -> CLOSED \(current state AUTHENTICATING\)/,
    );
    const closed = fresh();
    closed.transition('AUTHENTICATING', 'CLOSED');
    expect(() => closed.transition('CLOSED', 'OPEN')).toThrow(RpcStateError);
    expect(closed.current).toBe('CLOSED');
  });
});
