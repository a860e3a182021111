import { randomBytes as cryptoRandomBytes } from 'node:crypto';
import net from 'node:net';
import { setTimeout as sleepTimer } from 'node:timers/promises';
import type { Logger } from '../log.js';
import type { RandomBytes } from './auth/handshake.js';
import { backoffDelayMs, DEFAULT_BACKOFF, type BackoffPolicy } from './backoff.js';
import { RpcTimeoutError, RpcUnreachableError } from './errors.js';
import { RpcConnection, type RpcHandler } from './rpc-connection.js';
import { secretBytes } from './secret.js';

/**
 * Opens authenticated connections: TCP connect (with a timeout, retried with
 * backoff and jitter while the peer is unreachable), then the client side of
 * the handshake. Authentication failures are never retried: a wrong secret
 * stays wrong.
 */

export const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;
export const DEFAULT_CONNECT_ATTEMPTS = 5;

export interface RpcConnectOptions {
  logger: Logger;
  /** What the server is, for messages: "driver endpoint", "block server of executor 2". */
  peerName?: string;
  connectTimeoutMs?: number;
  /** Total TCP connect attempts (1 = no retry). */
  attempts?: number;
  backoff?: BackoffPolicy;
  handshakeTimeoutMs?: number;
  requestTimeoutMs?: number;
  maxFrameBytes?: number;
  /** Handlers for messages the server sends to us. */
  handlers?: ReadonlyMap<string, RpcHandler>;
  randomBytes?: RandomBytes;
  random?: () => number;
  sleep?: (ms: number) => Promise<void>;
  /** Opens the TCP socket; net.connect by default. */
  socketFactory?: (host: string, port: number) => net.Socket;
}

export const RpcClient = {
  /** Connects to host:port and authenticates with `secret`; resolves with an OPEN connection. */
  async connect(
    host: string,
    port: number,
    secret: string | Uint8Array,
    options: RpcConnectOptions,
  ): Promise<RpcConnection> {
    const key = secretBytes(secret);
    const peer = `${host}:${port}`;
    const peerName = options.peerName ?? 'RPC server';
    const attempts = Math.max(1, options.attempts ?? DEFAULT_CONNECT_ATTEMPTS);
    const random = options.random ?? Math.random;
    const sleep = options.sleep ?? ((ms: number) => sleepTimer(ms));
    const log = options.logger.child({ component: 'rpc-client', peer });
    let lastError: Error | undefined;
    for (let attempt = 1; attempt <= attempts; attempt++) {
      if (attempt > 1) {
        const delay = backoffDelayMs(attempt - 1, options.backoff ?? DEFAULT_BACKOFF, random);
        log.debug({ attempt, delayMs: delay }, 'retrying connect');
        await sleep(delay);
      }
      let socket: net.Socket;
      try {
        socket = await openSocket(host, port, options);
      } catch (e) {
        lastError = e as Error;
        log.debug({ attempt, err: { message: lastError.message } }, 'connect failed');
        continue;
      }
      const connection = new RpcConnection({
        stream: socket,
        role: 'client',
        secret: key,
        peer,
        peerName,
        logger: options.logger,
        randomBytes: options.randomBytes ?? cryptoRandomBytes,
        maxFrameBytes: options.maxFrameBytes,
        handshakeTimeoutMs: options.handshakeTimeoutMs,
        requestTimeoutMs: options.requestTimeoutMs,
        fallbackHandlers: options.handlers,
      });
      await connection.ready;
      log.debug('connected and authenticated');
      return connection;
    }
    throw new RpcUnreachableError(
      `cannot reach the ${peerName} at ${peer} after ${attempts} attempt(s): ${lastError?.message ?? 'unknown error'}. ` +
        'Check that it is running and that this host can reach that address (for the driver: spark.driver.host ' +
        'and spark.driver.port; in client mode the driver host must be reachable from the cluster)',
      { cause: lastError, context: { peer, host, port, attempts } },
    );
  },
};

async function openSocket(host: string, port: number, options: RpcConnectOptions): Promise<net.Socket> {
  const timeoutMs = options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
  const socket = options.socketFactory ? options.socketFactory(host, port) : net.connect({ host, port });
  socket.setNoDelay(true);
  return new Promise<net.Socket>((resolve, reject) => {
    const timer = setTimeout(() => {
      cleanup();
      socket.destroy();
      reject(
        new RpcTimeoutError(`TCP connect to ${host}:${port} did not finish within ${timeoutMs} ms`, {
          context: { peer: `${host}:${port}` },
        }),
      );
    }, timeoutMs);
    const onConnect = (): void => {
      cleanup();
      resolve(socket);
    };
    const onError = (err: Error): void => {
      cleanup();
      socket.destroy();
      reject(err);
    };
    const cleanup = (): void => {
      clearTimeout(timer);
      socket.off('connect', onConnect);
      socket.off('error', onError);
    };
    socket.once('connect', onConnect);
    socket.once('error', onError);
  });
}
