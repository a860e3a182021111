import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { Readable } from 'node:stream';
import type { AxiosInstance } from 'axios';
import { UsageError } from '../../errors.js';
import { silentLogger, type Logger } from '../../log.js';
import {
  HadoopHttpError,
  HadoopProtocolError,
  HadoopUnreachableError,
  remoteError,
  snippet,
  type HadoopService,
  type RequestContext,
} from '../rest/errors.js';
import { ServerList } from '../rest/failover.js';
import {
  createHttpClient,
  drain,
  readSmall,
  sendHttp,
  type HttpAnswer,
  type HttpMethod,
} from '../rest/http.js';
import { withReadIdleTimeout } from '../rest/idle-timeout.js';
import { isRetriableFailure, shouldFailOver } from '../rest/policy.js';
import { decodeRemoteException } from '../rest/remote-exception.js';
import {
  DEFAULT_RETRY_POLICY,
  REAL_RETRY_ENV,
  withRetry,
  type RetryEnv,
  type RetryPolicy,
} from '../rest/retry.js';
import {
  WebHdfsDecodeError,
  decodeBlockLocations,
  decodeBoolean,
  decodeGetFileStatus,
  decodeListStatus,
  decodeLocatedBlocks,
  decodePath,
  formatPermission,
  parseJson,
} from './codec.js';
import type { CreateOptions, HdfsBlockLocation, HdfsFileStatus, OpenOptions } from './types.js';

/**
 * A WebHDFS client (Hadoop's REST API to HDFS) on axios.
 *
 * Layers: `rest/http` sends one request; this class knows the operations,
 * the two-step write protocol, NameNode HA and the retry rules; `codec`
 * decodes the JSON. Every call takes absolute HDFS paths (`/user/alice/x`);
 * resolving `hdfs://` URIs and relative paths is the FileSystem adapter's job.
 *
 * Writes (CREATE, APPEND) never send data to the NameNode: step 1 asks the
 * NameNode without a body and without following its 307; step 2 streams the
 * bytes to the DataNode URL it named (WebHDFS.md, "Create and Write to a
 * File"). Reads follow the NameNode's redirect the same way, by hand, so the
 * NameNode leg gets HA failover and the DataNode leg gets its own errors.
 */

export interface WebHdfsClientOptions {
  /** NameNode HTTP base URLs (`http://host:9870`); several for HA, tried in order. */
  namenodes: readonly string[];
  /** Sent as `user.name` on every request (non-secure clusters); the static web user (dr.who) otherwise. */
  user?: string;
  /** HTTP client; a fresh axios instance if absent. */
  http?: AxiosInstance;
  logger?: Logger;
  retry?: RetryPolicy;
  /** Sleep and randomness for backoff; real ones if absent. */
  retryEnv?: RetryEnv;
  /** Limit until the response headers of a metadata call (and of the DataNode after the last byte). */
  requestTimeoutMs?: number;
  /** A read fails when the DataNode sends nothing for this long while we wait for data. */
  readIdleTimeoutMs?: number;
}

export const DEFAULT_REQUEST_TIMEOUT_MS = 60_000;
export const DEFAULT_READ_IDLE_TIMEOUT_MS = 60_000;

/** Data that can be read more than once, so a failed upload can be retried. */
export interface ReplayableSource {
  open(): Readable;
  /** Byte count, sent as Content-Length when known. */
  size?: number;
}

/** What an upload takes: bytes, a one-shot stream (no retry once sending began), or a replayable source. */
export type UploadSource = Buffer | Uint8Array | string | Readable | ReplayableSource;

/** A local file as a replayable upload source, streamed (never read whole into memory). */
export async function fileSource(localPath: string): Promise<ReplayableSource> {
  const info = await stat(localPath);
  return { open: () => createReadStream(localPath), size: info.size };
}

function isReplayable(s: UploadSource): s is ReplayableSource {
  return (
    typeof s === 'object' &&
    !(s instanceof Readable) &&
    !(s instanceof Uint8Array) &&
    typeof (s as ReplayableSource).open === 'function'
  );
}

function asReplayable(s: UploadSource): ReplayableSource | undefined {
  if (typeof s === 'string') return asReplayable(Buffer.from(s, 'utf8'));
  if (s instanceof Uint8Array) {
    const buf = Buffer.from(s.buffer, s.byteOffset, s.byteLength);
    return { open: () => Readable.from([buf]), size: buf.length };
  }
  if (isReplayable(s)) return s;
  return undefined;
}

/** `/a b/c` -> `/a%20b/c`: each component percent-encoded, slashes kept. */
export function encodeHdfsPath(path: string): string {
  return path
    .split('/')
    .map((c) => encodeURIComponent(c))
    .join('/');
}

type Query = Record<string, string | number | boolean | undefined>;

export class WebHdfsClient {
  readonly user: string | undefined;
  private readonly servers: ServerList;
  private readonly http: AxiosInstance;
  private readonly log: Logger;
  private readonly retry: RetryPolicy;
  private readonly retryEnv: RetryEnv;
  private readonly requestTimeoutMs: number;
  private readonly readIdleTimeoutMs: number;
  /** Set once the server rejected GETFILEBLOCKLOCATIONS (before Hadoop 3.3-ish): use GET_BLOCK_LOCATIONS. */
  private publicBlockLocationsUnsupported = false;

  constructor(options: WebHdfsClientOptions) {
    this.servers = new ServerList('NameNode', options.namenodes);
    this.user = options.user;
    this.http = options.http ?? createHttpClient();
    this.log = (options.logger ?? silentLogger()).child({ component: 'webhdfs' });
    this.retry = options.retry ?? DEFAULT_RETRY_POLICY;
    this.retryEnv = options.retryEnv ?? REAL_RETRY_ENV;
    this.requestTimeoutMs = options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
    this.readIdleTimeoutMs = options.readIdleTimeoutMs ?? DEFAULT_READ_IDLE_TIMEOUT_MS;
  }

  /** The NameNode that last answered as active. */
  get activeNameNode(): string {
    return this.servers.active;
  }

  // ---- metadata operations -------------------------------------------------

  /** MKDIRS: creates the directory and missing parents; true on success. */
  async mkdirs(path: string, permission?: number | string): Promise<boolean> {
    const body = await this.metadata(
      'MKDIRS',
      'PUT',
      path,
      { permission: permission === undefined ? undefined : formatPermission(permission) },
      true,
    );
    return this.decode('MKDIRS', path, () => decodeBoolean(body));
  }

  /** GETFILESTATUS; throws `RemoteNotFoundError` if the path does not exist. */
  async getFileStatus(path: string): Promise<HdfsFileStatus> {
    const body = await this.metadata('GETFILESTATUS', 'GET', path, {}, true);
    return this.decode('GETFILESTATUS', path, () => decodeGetFileStatus(body, normalizePath(path)));
  }

  /** LISTSTATUS: the children of a directory (or the file itself). */
  async listStatus(path: string): Promise<HdfsFileStatus[]> {
    const body = await this.metadata('LISTSTATUS', 'GET', path, {}, true);
    return this.decode('LISTSTATUS', path, () => decodeListStatus(body, normalizePath(path)));
  }

  /** DELETE: true if something was deleted, false if the path did not exist. */
  async delete(path: string, recursive = false): Promise<boolean> {
    // Idempotent in effect: a repeat after a lost answer just returns false.
    const body = await this.metadata('DELETE', 'DELETE', path, { recursive }, true);
    return this.decode('DELETE', path, () => decodeBoolean(body));
  }

  /**
   * RENAME: the NameNode answers false rather than an error for many failures
   * (missing source or destination parent, existing destination); check it.
   */
  async rename(src: string, dst: string): Promise<boolean> {
    const destination = normalizePath(checkAbsolute(dst));
    const body = await this.metadata('RENAME', 'PUT', src, { destination }, false);
    return this.decode('RENAME', src, () => decodeBoolean(body));
  }

  /** SETPERMISSION, e.g. `setPermission(p, 0o700)`. */
  async setPermission(path: string, permission: number | string): Promise<void> {
    await this.metadata('SETPERMISSION', 'PUT', path, { permission: formatPermission(permission) }, true);
  }

  /** GETHOMEDIRECTORY: `/user/<user>` for the request's user. */
  async getHomeDirectory(): Promise<string> {
    const body = await this.metadata('GETHOMEDIRECTORY', 'GET', '/', {}, true);
    return this.decode('GETHOMEDIRECTORY', '/', () => decodePath(body));
  }

  /**
   * Block locations of `[offset, offset + length)` (whole file by default):
   * GETFILEBLOCKLOCATIONS, or the NameNode's GET_BLOCK_LOCATIONS on versions
   * that reject the public op.
   */
  async getFileBlockLocations(path: string, offset = 0, length?: number): Promise<HdfsBlockLocation[]> {
    const query: Query = { offset, length };
    if (!this.publicBlockLocationsUnsupported) {
      try {
        const body = await this.metadata('GETFILEBLOCKLOCATIONS', 'GET', path, query, true);
        return this.decode('GETFILEBLOCKLOCATIONS', path, () => decodeBlockLocations(body));
      } catch (error) {
        if (!isUnknownOp(error, 'GETFILEBLOCKLOCATIONS')) throw error;
        this.publicBlockLocationsUnsupported = true;
        this.log.debug(
          { path },
          'GETFILEBLOCKLOCATIONS not supported by this NameNode; using GET_BLOCK_LOCATIONS',
        );
      }
    }
    const body = await this.metadata('GET_BLOCK_LOCATIONS', 'GET', path, query, true);
    return this.decode('GET_BLOCK_LOCATIONS', path, () => decodeLocatedBlocks(body));
  }

  /** True if the path exists (GETFILESTATUS without the not-found error). */
  async exists(path: string): Promise<boolean> {
    try {
      await this.getFileStatus(path);
      return true;
    } catch (error) {
      if ((error as { kind?: unknown }).kind === 'not-found') return false;
      throw error;
    }
  }

  // ---- data operations -----------------------------------------------------

  /**
   * CREATE in two steps; the data is streamed to the DataNode. A replayable
   * source (bytes, `fileSource(...)`) is retried as a whole after a failure; a
   * plain stream only until its first byte was sent.
   */
  async create(path: string, data: UploadSource, options: CreateOptions = {}): Promise<void> {
    const query: Query = {
      overwrite: options.overwrite ?? false,
      permission: options.permission === undefined ? undefined : formatPermission(options.permission),
      replication: options.replication,
      blocksize: options.blockSize,
    };
    // Repeating a CREATE that may have succeeded is only harmless when it overwrites.
    await this.upload('CREATE', 'PUT', path, query, data, 201, options.overwrite === true);
  }

  /** APPEND in two steps (POST); not retried once the data may have reached the DataNode. */
  async append(path: string, data: UploadSource): Promise<void> {
    await this.upload('APPEND', 'POST', path, {}, data, 200, false);
  }

  /**
   * OPEN: a stream of the file's bytes from `offset` (default 0), `length`
   * bytes or to the end. The stream fails with `HadoopUnreachableError` if the
   * DataNode stalls for `readIdleTimeoutMs` while the consumer waits.
   */
  async open(path: string, options: OpenOptions = {}): Promise<Readable> {
    const query: Query = { offset: options.offset, length: options.length };
    return this.run('OPEN', path, true, async () => {
      const location = await this.redirect('OPEN', 'GET', path, query, true);
      const ctx = this.ctx('DataNode', location, 'OPEN', path);
      const started = Date.now();
      const answer = await sendHttp(
        this.http,
        { method: 'GET', url: location, stream: true, timeoutMs: this.requestTimeoutMs },
        ctx,
      );
      this.log.debug(
        { op: 'OPEN', path, status: answer.status, durationMs: Date.now() - started },
        'datanode answered',
      );
      if (answer.status !== 200) throw await this.failure(answer, ctx);
      return withReadIdleTimeout(
        answer.body as Readable,
        this.readIdleTimeoutMs,
        () => new HadoopUnreachableError(ctx, `no data for ${this.readIdleTimeoutMs} ms`, true, undefined),
      );
    });
  }

  /** The whole file (or a range) in memory: for small files only. */
  async readAll(path: string, options: OpenOptions = {}): Promise<Buffer> {
    const chunks: Buffer[] = [];
    for await (const chunk of await this.open(path, options)) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks);
  }

  // ---- internals -----------------------------------------------------------

  private ctx(service: HadoopService, url: string, operation: string, path: string): RequestContext {
    const ctx: RequestContext = { service, endpoint: originOf(url), operation, path };
    if (this.user !== undefined) ctx.user = this.user;
    return ctx;
  }

  private url(base: string, path: string, op: string, query: Query): string {
    const params: string[] = [`op=${op}`];
    if (this.user !== undefined) params.push(`user.name=${encodeURIComponent(this.user)}`);
    for (const [k, v] of Object.entries(query)) {
      if (v !== undefined) params.push(`${k}=${encodeURIComponent(String(v))}`);
    }
    return `${base}/webhdfs/v1${encodeHdfsPath(normalizePath(path))}?${params.join('&')}`;
  }

  /** Retries `fn` by the shared policy; `idempotent` says whether a maybe-delivered call may repeat. */
  private run<T>(
    op: string,
    path: string,
    idempotent: boolean,
    fn: () => Promise<T>,
    extraCheck: () => boolean = () => true,
  ): Promise<T> {
    return withRetry(() => fn(), this.retry, this.retryEnv, {
      isRetriable: (error) => extraCheck() && isRetriableFailure(error, idempotent),
      onRetry: (error, attempt, delayMs) =>
        this.log.warn(
          { op, path, attempt, delayMs, err: (error as Error).message },
          'WebHDFS call failed; retrying',
        ),
    });
  }

  /** One NameNode request, with failover over the HA list; answers when the status is one of `expect`. */
  private nameNode(
    op: string,
    method: HttpMethod,
    path: string,
    query: Query,
    expect: readonly number[],
    idempotent: boolean,
  ): Promise<HttpAnswer> {
    checkAbsolute(path);
    return this.servers.tryEach(
      async (base) => {
        const ctx = this.ctx('NameNode', base, op, path);
        const started = Date.now();
        const answer = await sendHttp(
          this.http,
          { method, url: this.url(base, path, op, query), timeoutMs: this.requestTimeoutMs },
          ctx,
        );
        this.log.debug(
          { op, path, status: answer.status, namenode: base, durationMs: Date.now() - started },
          'namenode answered',
        );
        if (expect.includes(answer.status)) return answer;
        throw await this.failure(answer, ctx);
      },
      (error) => shouldFailOver(error, idempotent),
    );
  }

  /** A metadata call: NameNode request with retries, 200 expected, JSON body (or empty). */
  private async metadata(
    op: string,
    method: HttpMethod,
    path: string,
    query: Query,
    idempotent: boolean,
  ): Promise<unknown> {
    const answer = await this.run(op, path, idempotent, () =>
      this.nameNode(op, method, path, query, [200], idempotent),
    );
    const body = answer.body as Buffer;
    if (body.length === 0) return undefined;
    return this.decode(op, path, () => parseJson(body));
  }

  /** Step 1 of OPEN/CREATE/APPEND: the DataNode URL from the NameNode's 307. */
  private async redirect(
    op: string,
    method: HttpMethod,
    path: string,
    query: Query,
    idempotent: boolean,
  ): Promise<string> {
    const answer = await this.nameNode(op, method, path, query, [307], idempotent);
    drain(answer.body);
    const location = answer.headers.location;
    if (!location)
      throw new HadoopProtocolError(
        this.ctx('NameNode', this.servers.active, op, path),
        'a 307 without a Location header',
      );
    return location;
  }

  private async upload(
    op: 'CREATE' | 'APPEND',
    method: 'PUT' | 'POST',
    path: string,
    query: Query,
    data: UploadSource,
    expect: number,
    idempotent: boolean,
  ): Promise<void> {
    const replayable = asReplayable(data);
    let oneShotUsed = false;
    await this.run(
      op,
      path,
      idempotent,
      async () => {
        const location = await this.redirect(op, method, path, query, idempotent);
        let body: Readable;
        if (replayable) body = replayable.open();
        else {
          oneShotUsed = true;
          body = data as Readable;
        }
        await this.sendToDataNode(op, method, path, location, body, replayable?.size, expect);
      },
      // A one-shot stream cannot be sent twice; the NameNode leg before it may repeat.
      () => replayable !== undefined || !oneShotUsed,
    );
  }

  /**
   * Step 2: stream the body to the DataNode. No wall-clock limit while the
   * body flows (a large upload takes as long as it takes); once the last byte
   * is handed over, the DataNode has `requestTimeoutMs` to answer.
   */
  private async sendToDataNode(
    op: string,
    method: 'PUT' | 'POST',
    path: string,
    location: string,
    body: Readable,
    size: number | undefined,
    expect: number,
  ): Promise<void> {
    const ctx = this.ctx('DataNode', location, op, path);
    const abort = new AbortController();
    let answerTimer: NodeJS.Timeout | undefined;
    const onEnd = (): void => {
      answerTimer = setTimeout(
        () => abort.abort(new Error(`no answer ${this.requestTimeoutMs} ms after the last byte`)),
        this.requestTimeoutMs,
      );
    };
    body.once('end', onEnd);
    // A failing source (unreadable local file) is the caller's problem, not the DataNode's.
    let sourceError: unknown;
    const onSourceError = (error: unknown): void => {
      sourceError = error;
    };
    body.once('error', onSourceError);
    const headers: Record<string, string> = { 'Content-Type': 'application/octet-stream' };
    if (size !== undefined) headers['Content-Length'] = String(size);
    const started = Date.now();
    try {
      const answer = await sendHttp(
        this.http,
        { method, url: location, headers, body, timeoutMs: 0, signal: abort.signal },
        ctx,
      );
      this.log.debug(
        { op, path, status: answer.status, bytes: size, durationMs: Date.now() - started },
        'datanode answered',
      );
      if (answer.status !== expect) throw await this.failure(answer, ctx);
    } catch (error) {
      if (sourceError !== undefined) throw sourceError;
      throw error;
    } finally {
      if (answerTimer) clearTimeout(answerTimer);
      body.off('end', onEnd);
      body.off('error', onSourceError);
      if (!body.readableEnded) body.destroy();
    }
  }

  /** The typed error for a non-success answer. */
  private async failure(answer: HttpAnswer, ctx: RequestContext): Promise<Error> {
    const body = await readSmall(answer.body);
    const remote = decodeRemoteException(body);
    if (remote) return remoteError(remote, answer.status, ctx);
    return new HadoopHttpError(ctx, answer.status, snippet(body));
  }

  private decode<T>(op: string, path: string, fn: () => T): T {
    try {
      return fn();
    } catch (error) {
      if (error instanceof WebHdfsDecodeError)
        throw new HadoopProtocolError(this.ctx('NameNode', this.servers.active, op, path), error.message);
      throw error;
    }
  }
}

function originOf(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    return url;
  }
}

function checkAbsolute(path: string): string {
  if (!path.startsWith('/')) {
    throw new UsageError(
      'HDFS_RELATIVE_PATH',
      `WebHDFS needs an absolute HDFS path, got '${path}'; resolve it against the home directory first.`,
    );
  }
  return path;
}

/** Drops a trailing slash (but keeps `/`) and collapses repeated slashes. */
export function normalizePath(path: string): string {
  const collapsed = path.replace(/\/{2,}/g, '/');
  return collapsed.length > 1 && collapsed.endsWith('/') ? collapsed.slice(0, -1) : collapsed;
}

function isUnknownOp(error: unknown, op: string): boolean {
  const e = error as { kind?: unknown; httpStatus?: unknown; message?: unknown };
  return e.kind === 'bad-request' && typeof e.message === 'string' && e.message.includes(op);
}
