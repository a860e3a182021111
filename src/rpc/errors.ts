import { ExitCode, TsparkError, type TsparkErrorOptions } from '../errors.js';

/**
 * Errors of tspark's own RPC transport (driver endpoint, executors, block
 * servers). Transport failures (unreachable, closed, timeout) are retriable;
 * authentication, protocol and size failures are not: retrying cannot fix a
 * wrong secret or a frame over the limit. Every error names the peer
 * (`host:port`) in its message and in `context.peer`.
 */

/** The configuration key that raises the frame limit, named in every size error. */
export const MAX_FRAME_SIZE_KEY = 'spark.rpc.message.maxSize';

/** The peer could not prove it holds the application secret, or refused our proof. */
export class RpcAuthError extends TsparkError {
  constructor(message: string, options: TsparkErrorOptions = {}) {
    super('RPC_AUTH_FAILED', message, { exitCode: ExitCode.PERMISSION, retriable: false, ...options });
  }
}

/** A request got no response, or a handshake did not finish, within its timeout. */
export class RpcTimeoutError extends TsparkError {
  constructor(message: string, options: TsparkErrorOptions = {}) {
    super('RPC_TIMEOUT', message, { exitCode: ExitCode.REMOTE, retriable: true, ...options });
  }
}

/** The connection closed (peer gone, reset, or close() on either side) while something was pending. */
export class RpcConnectionClosedError extends TsparkError {
  constructor(message: string, options: TsparkErrorOptions = {}) {
    super('RPC_CONNECTION_CLOSED', message, { exitCode: ExitCode.REMOTE, retriable: true, ...options });
  }
}

/** A frame is larger than the configured maximum (on sending, or announced by the peer). */
export class RpcFrameTooLargeError extends TsparkError {
  constructor(frameBytes: number, limitBytes: number, options: TsparkErrorOptions = {}) {
    super(
      'RPC_FRAME_TOO_LARGE',
      `RPC frame of ${frameBytes} bytes exceeds the limit of ${limitBytes} bytes; raise ${MAX_FRAME_SIZE_KEY} ` +
        '(in MiB, on both ends), or send large data as several smaller messages',
      { exitCode: ExitCode.REMOTE, retriable: false, ...options },
    );
  }
}

/** TCP connect failed on every attempt. */
export class RpcUnreachableError extends TsparkError {
  constructor(message: string, options: TsparkErrorOptions = {}) {
    super('RPC_UNREACHABLE', message, { exitCode: ExitCode.REMOTE, retriable: true, ...options });
  }
}

/** The bytes from the peer do not follow the tspark RPC protocol. */
export class RpcProtocolError extends TsparkError {
  constructor(message: string, options: TsparkErrorOptions = {}) {
    super('RPC_PROTOCOL', `tspark RPC protocol error: ${message}`, { exitCode: ExitCode.REMOTE, ...options });
  }
}

/** The peer's handler for our request threw; `remoteName`/`remoteCode` say what it threw. */
export class RpcRemoteError extends TsparkError {
  readonly remoteName: string;
  readonly remoteCode: string | undefined;

  constructor(remote: { name: string; message: string; code?: string }, options: TsparkErrorOptions = {}) {
    super('RPC_REMOTE_ERROR', `${remote.name}: ${remote.message}`, { exitCode: ExitCode.REMOTE, ...options });
    this.remoteName = remote.name;
    this.remoteCode = remote.code;
  }
}

/** A connection was used in a state that does not allow it (a bug in the caller or in this module). */
export class RpcStateError extends TsparkError {
  constructor(message: string, options: TsparkErrorOptions = {}) {
    super('RPC_INVALID_STATE', message, { exitCode: ExitCode.INTERNAL, ...options });
  }
}
