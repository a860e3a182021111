import { ExitCode, TsparkError, type ErrorContext, type TsparkErrorOptions } from '../../errors.js';

/**
 * Errors of the Hadoop IPC layer. Transport failures (connect, closed,
 * timeout) are retriable; protocol and authentication failures are not.
 * Errors the server reports (an exception class name and message) are
 * `RemoteError`s, classified by the table in remote-errors.ts.
 */

/** The bytes from the server (or a fixture) do not follow the IPC protocol. */
export class IpcProtocolError extends TsparkError {
  constructor(message: string, options: TsparkErrorOptions = {}) {
    super('IPC_PROTOCOL', `Hadoop IPC protocol error: ${message}`, { exitCode: ExitCode.REMOTE, ...options });
  }
}

/** TCP connect failed or did not finish in time. */
export class IpcConnectError extends TsparkError {
  constructor(message: string, options: TsparkErrorOptions = {}) {
    super('IPC_CONNECT', message, { exitCode: ExitCode.REMOTE, retriable: true, ...options });
  }
}

/** The connection closed (EOF, reset, FATAL, or close()) while a call was pending. */
export class IpcConnectionClosedError extends TsparkError {
  constructor(message: string, options: TsparkErrorOptions = {}) {
    super('IPC_CONNECTION_CLOSED', message, { exitCode: ExitCode.REMOTE, retriable: true, ...options });
  }
}

/** No response to a call within its timeout. The server may still have executed it. */
export class IpcCallTimeoutError extends TsparkError {
  constructor(message: string, options: TsparkErrorOptions = {}) {
    super('IPC_CALL_TIMEOUT', message, { exitCode: ExitCode.REMOTE, retriable: true, ...options });
  }
}

/** The SASL handshake failed on our side (unsupported offer, bad rspauth, ...). */
export class SaslAuthError extends TsparkError {
  constructor(message: string, options: TsparkErrorOptions = {}) {
    super('IPC_SASL', message, { exitCode: ExitCode.PERMISSION, ...options });
  }
}

export interface RemoteErrorOptions {
  /** Java class name of the server-side exception, e.g. org.apache.hadoop.yarn.exceptions.YarnException. */
  javaClass: string;
  /** The server's message (first line of errorMsg; the rest is a Java stack trace). */
  remoteMessage: string;
  /** The whole errorMsg, stack trace included, for debug logs. */
  remoteDetail: string;
  /** RpcErrorCodeProto name, e.g. ERROR_APPLICATION or FATAL_UNAUTHORIZED. */
  errorDetail: string | undefined;
  /** FATAL: the server closed the connection. */
  fatal: boolean;
  code: string;
  retriable: boolean;
  exitCode: (typeof ExitCode)[keyof typeof ExitCode];
  hint: string | undefined;
  context?: ErrorContext;
}

/** An exception thrown by the Hadoop server, carried over the wire. */
export class RemoteError extends TsparkError {
  readonly javaClass: string;
  readonly remoteMessage: string;
  readonly remoteDetail: string;
  readonly errorDetail: string | undefined;
  readonly fatal: boolean;

  constructor(options: RemoteErrorOptions) {
    const shortClass = options.javaClass.slice(options.javaClass.lastIndexOf('.') + 1);
    const where = options.context?.method ? ` in ${String(options.context.method)}` : '';
    const remote = options.remoteMessage || '(no message)';
    const joiner = /[.!?]$/.test(remote) ? ' ' : '. ';
    const message = `${shortClass}${where}: ${remote}` + (options.hint ? `${joiner}${options.hint}` : '');
    super(options.code, message, {
      retriable: options.retriable,
      exitCode: options.exitCode,
      context: { ...options.context, javaClass: options.javaClass },
    });
    this.javaClass = options.javaClass;
    this.remoteMessage = options.remoteMessage;
    this.remoteDetail = options.remoteDetail;
    this.errorDetail = options.errorDetail;
    this.fatal = options.fatal;
  }
}
