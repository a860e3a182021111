import { PassThrough, Readable, Writable } from 'node:stream';
import { ConfigError, TsparkError } from '../../errors.js';
import {
  FileAlreadyExistsError,
  FileNotFoundError,
  InvalidInputError,
  PermissionDeniedError,
} from '../../core/io/errors.js';
import type { BlockLocation, FileStatus, FileSystem, FileSystemRegistry } from '../../core/io/file-system.js';
import { parsePath } from '../../core/io/paths.js';
import { registerFileSystem } from '../../core/io/registry.js';
import {
  HadoopRemoteError,
  RemoteAlreadyExistsError,
  RemoteNotFoundError,
  RemotePermissionDeniedError,
} from '../rest/errors.js';
import { WebHdfsClient, normalizePath, type WebHdfsClientOptions } from './client.js';
import type { HdfsFileStatus } from './types.js';

/**
 * The engine's FileSystem (docs/internals/engine-contracts.md, "Files") for
 * `hdfs:` paths, over WebHDFS. One instance serves one HDFS authority (the
 * `host:port` of `fs.defaultFS`, or an HA nameservice name); its paths are
 * `hdfs://authority/abs/path`, `hdfs:///abs/path` and bare `/abs/path` (both
 * meaning the default FS), or relative to the working directory (the user's
 * HDFS home, as in Hadoop).
 *
 * The authority is the NameNode's RPC address, which WebHDFS does not speak:
 * the HTTP address(es) of each authority's NameNode(s) come from the options
 * (the Hadoop configuration wiring supplies them from dfs.namenode.http-address
 * and the HA keys).
 */

export interface HdfsFileSystemOptions extends Omit<WebHdfsClientOptions, 'namenodes'> {
  /** `hdfs://host:port` or `hdfs://nameservice` this instance serves. */
  uri: string;
  /** NameNode HTTP base URLs of that authority (several for HA). */
  namenodes: readonly string[];
  /** For relative paths; default `/user/<user>` (Hadoop's working directory default). */
  workingDirectory?: string;
}

export class HdfsFileSystem implements FileSystem {
  readonly scheme = 'hdfs';
  /** `host:port` or nameservice. */
  readonly authority: string;
  readonly client: WebHdfsClient;
  private readonly workingDirectory: string;

  constructor(options: HdfsFileSystemOptions) {
    const parsed = parsePath(options.uri);
    if (parsed.scheme !== 'hdfs' || !parsed.authority) {
      throw new ConfigError(
        'HDFS_BAD_URI',
        `'${options.uri}' is not an hdfs://host:port URI (check fs.defaultFS).`,
      );
    }
    this.authority = parsed.authority;
    this.client = new WebHdfsClient({ ...options, namenodes: options.namenodes });
    this.workingDirectory = normalizePath(options.workingDirectory ?? `/user/${options.user ?? 'dr.who'}`);
  }

  /** The absolute HDFS path of `path`; throws for another scheme or authority. */
  toHdfsPath(path: string): string {
    const p = parsePath(path);
    if (p.scheme !== undefined && p.scheme !== 'hdfs') {
      throw new InvalidInputError(
        'UNSUPPORTED_SCHEME',
        path,
        `The HDFS file system cannot handle ${path}: it is a ${p.scheme}: path.`,
      );
    }
    if (p.authority !== undefined && p.authority !== '' && p.authority !== this.authority) {
      throw new InvalidInputError(
        'WRONG_FS',
        path,
        `${path} is on HDFS ${p.authority}, but this file system serves ${this.authority}; configure that cluster's NameNode HTTP address.`,
      );
    }
    const raw = p.path === '' ? '/' : p.path;
    return normalizePath(raw.startsWith('/') ? raw : `${this.workingDirectory}/${raw}`);
  }

  /** `hdfs://authority/abs/path`. */
  qualify(path: string): string {
    return `hdfs://${this.authority}${this.toHdfsPath(path)}`;
  }

  async status(path: string): Promise<FileStatus> {
    const p = this.toHdfsPath(path);
    return this.toStatus(await this.call('status', p, () => this.client.getFileStatus(p)));
  }

  async exists(path: string): Promise<boolean> {
    const p = this.toHdfsPath(path);
    return this.call('exists', p, () => this.client.exists(p));
  }

  async list(path: string): Promise<FileStatus[]> {
    const p = this.toHdfsPath(path);
    const children = await this.call('list', p, () => this.client.listStatus(p));
    return children
      .map((s) => this.toStatus(s))
      .sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  }

  async open(path: string, range?: { start: number; end?: number }): Promise<NodeJS.ReadableStream> {
    const p = this.toHdfsPath(path);
    const start = range?.start ?? 0;
    const end = range?.end;
    if (end !== undefined && end <= start) {
      // Still report a missing file, as the contract asks, but send no empty-range read.
      await this.status(p);
      return Readable.from([]);
    }
    try {
      return await this.call('open', p, () =>
        this.client.open(p, end === undefined ? { offset: start } : { offset: start, length: end - start }),
      );
    } catch (error) {
      // The NameNode refuses an offset at or past the end ("Offset=N out of the range [0, L)");
      // the contract, like a local file, reads nothing there.
      if (
        error instanceof HadoopRemoteError &&
        error.remote.exception === 'IOException' &&
        /^Offset=\d+ out of the range/.test(error.remote.message)
      ) {
        return Readable.from([]);
      }
      throw error;
    }
  }

  /**
   * A stream into a new file. The bytes flow to the DataNode as they are
   * written (backpressure included); 'finish' is emitted only once the
   * DataNode confirmed the file (201), so `finished(stream)` means durable.
   * An existing file fails at once with FILE_EXISTS unless `overwrite`.
   * Destroying the stream aborts the upload; HDFS may keep what arrived.
   */
  async create(path: string, options: { overwrite?: boolean } = {}): Promise<NodeJS.WritableStream> {
    const p = this.toHdfsPath(path);
    const overwrite = options.overwrite === true;
    if (!overwrite && (await this.exists(p))) throw new FileAlreadyExistsError(this.qualify(p));
    return new UploadStream((body) =>
      this.call('create', p, () => this.client.create(p, body, { overwrite })),
    );
  }

  async mkdirs(path: string): Promise<void> {
    const p = this.toHdfsPath(path);
    const ok = await this.call('mkdirs', p, () => this.client.mkdirs(p));
    if (!ok)
      throw new TsparkError(
        'HDFS_MKDIRS_FAILED',
        `Could not create directory ${this.qualify(p)} (the NameNode answered false).`,
        { context: { path: p } },
      );
  }

  /**
   * HDFS renames *into* an existing directory and answers `false` for most
   * failures, so the contract's rules (src must exist, dst must not, dst's
   * parent is created) are checked here.
   */
  async rename(src: string, dst: string): Promise<void> {
    const from = this.toHdfsPath(src);
    const to = this.toHdfsPath(dst);
    if (!(await this.exists(from))) throw new FileNotFoundError(this.qualify(from));
    if (await this.exists(to)) throw new FileAlreadyExistsError(this.qualify(to));
    const parent = to.slice(0, to.lastIndexOf('/')) || '/';
    await this.mkdirs(parent);
    const ok = await this.call('rename', from, () => this.client.rename(from, to));
    if (ok) return;
    if (await this.exists(to)) throw new FileAlreadyExistsError(this.qualify(to));
    if (!(await this.exists(from))) throw new FileNotFoundError(this.qualify(from));
    throw new TsparkError(
      'HDFS_RENAME_FAILED',
      `Could not rename ${this.qualify(from)} to ${this.qualify(to)} (the NameNode answered false).`,
      {
        context: { path: from, destination: to },
      },
    );
  }

  async delete(path: string, recursive: boolean): Promise<boolean> {
    const p = this.toHdfsPath(path);
    return this.call('delete', p, () => this.client.delete(p, recursive));
  }

  async blockLocations(path: string, start: number, length: number): Promise<BlockLocation[]> {
    const p = this.toHdfsPath(path);
    if (start < 0 || length <= 0) return [];
    const blocks = await this.call('blockLocations', p, () =>
      this.client.getFileBlockLocations(p, start, length),
    );
    return blocks.map((b) => ({ offset: b.offset, length: b.length, hosts: b.hosts }));
  }

  private toStatus(s: HdfsFileStatus): FileStatus {
    return {
      path: `hdfs://${this.authority}${s.path}`,
      length: s.type === 'DIRECTORY' ? 0 : s.length,
      isDirectory: s.type === 'DIRECTORY',
      modificationTime: s.modificationTime,
      blockSize: s.blockSize,
    };
  }

  /** Runs a client call, turning WebHDFS errors into the file layer's (callers branch on their codes). */
  private async call<T>(operation: string, path: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (error) {
      throw this.translate(error, operation, path);
    }
  }

  private translate(error: unknown, operation: string, path: string): unknown {
    if (!(error instanceof HadoopRemoteError)) return error;
    const qualified = this.qualify(path);
    if (error instanceof RemoteNotFoundError) {
      return new FileNotFoundError(qualified, {
        cause: error,
        message: `File not found: ${qualified}. ${error.message}`,
      });
    }
    if (error instanceof RemotePermissionDeniedError) {
      return new PermissionDeniedError(qualified, error.deniedUser, operation, { cause: error });
    }
    if (error instanceof RemoteAlreadyExistsError)
      return new FileAlreadyExistsError(qualified, { cause: error });
    if (error.kind === 'directory-not-empty') {
      return new InvalidInputError(
        'DIRECTORY_NOT_EMPTY',
        qualified,
        `Cannot delete ${qualified}: the directory is not empty and recursive delete was not requested.`,
      );
    }
    return error;
  }
}

/**
 * A Writable whose bytes feed an upload started with a stream body: writes
 * respect the upload's backpressure, and the stream finishes only when the
 * upload has completed (or fails with its error).
 */
class UploadStream extends Writable {
  private readonly body = new PassThrough();
  private readonly upload: Promise<void>;

  constructor(start: (body: Readable) => Promise<void>) {
    super();
    // The upload reports every failure through its promise; a write racing a
    // failed upload must not also throw from the internal pipe.
    this.body.on('error', () => undefined);
    this.upload = start(this.body);
    // An early failure (e.g. permission denied at the NameNode) surfaces on the next write or at the end.
    this.upload.catch((error: unknown) => {
      if (!this.writableFinished) this.destroy(error as Error);
    });
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    if (this.body.write(chunk)) callback();
    else this.body.once('drain', () => callback());
  }

  override _final(callback: (error?: Error | null) => void): void {
    this.body.end();
    this.upload.then(
      () => callback(),
      (error: unknown) => callback(error as Error),
    );
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    if (!this.body.destroyed) this.body.destroy(error ?? undefined);
    callback(error);
  }
}

// ---- registration ---------------------------------------------------------------

export interface RegisterHdfsOptions extends Omit<WebHdfsClientOptions, 'namenodes'> {
  /** fs.defaultFS, e.g. `hdfs://127.0.0.1:9000`: `hdfs:///x` and authority-less paths go there. */
  defaultFS: string;
  /** NameNode HTTP base URLs of the default FS (dfs.namenode.http-address, or the HA list). */
  namenodes: readonly string[];
  /** Other HDFS authorities this process may meet (`host:port` or nameservice) -> their NameNode HTTP URLs. */
  otherAuthorities?: Readonly<Record<string, readonly string[]>>;
  /** Relative paths resolve here; default `/user/<user>`. */
  workingDirectory?: string;
  /** Where to register; the process registry by default. */
  registry?: FileSystemRegistry;
}

/**
 * Registers the `hdfs` scheme. One HdfsFileSystem per authority is built on
 * first use and kept, so the active NameNode it learned is remembered. An
 * authority with no configured NameNode HTTP address is a ConfigError naming
 * the fix.
 */
export function registerHdfs(options: RegisterHdfsOptions): void {
  const { defaultFS, namenodes, otherAuthorities = {}, registry, ...clientOptions } = options;
  const defaultAuthority = parsePath(defaultFS).authority;
  if (parsePath(defaultFS).scheme !== 'hdfs' || !defaultAuthority) {
    throw new ConfigError('HDFS_BAD_URI', `fs.defaultFS '${defaultFS}' is not an hdfs://host:port URI.`);
  }
  const addresses = new Map<string, readonly string[]>(Object.entries(otherAuthorities));
  addresses.set(defaultAuthority, namenodes);
  const instances = new Map<string, HdfsFileSystem>();
  const factory = (_conf: unknown, authority?: string): FileSystem => {
    const key = authority === undefined || authority === '' ? defaultAuthority : authority;
    let fs = instances.get(key);
    if (!fs) {
      const urls = addresses.get(key);
      if (!urls) {
        throw new ConfigError(
          'HDFS_UNKNOWN_AUTHORITY',
          `No NameNode HTTP address is known for hdfs://${key} (the default FS is hdfs://${defaultAuthority}); ` +
            'use paths on the default FS or configure that cluster.',
        );
      }
      fs = new HdfsFileSystem({ ...clientOptions, uri: `hdfs://${key}`, namenodes: urls });
      instances.set(key, fs);
    }
    return fs;
  };
  if (registry) registry.register('hdfs', factory);
  else registerFileSystem('hdfs', factory);
}
