import { constants as fsConstants, type Stats } from 'node:fs';
import * as fsp from 'node:fs/promises';
import * as nodePath from 'node:path';
import { userInfo } from 'node:os';
import { Readable } from 'node:stream';
import type { SparkConf } from '../../conf/spark-conf.js';
import { parseBytes } from '../../conf/units.js';
import { FileAlreadyExistsError, FileNotFoundError, InvalidInputError, fromSystemError } from './errors.js';
import type { BlockLocation, FileStatus, FileSystem } from './file-system.js';
import { mapLimited } from './map-limited.js';
import { parsePath } from './paths.js';

/** Hadoop's default `fs.local.block.size`: local files are split as if stored in 32 MiB blocks. */
export const LOCAL_BLOCK_SIZE = 32 * 1024 * 1024;
/** Read chunk size: large chunks keep per-chunk overhead negligible for line reading. */
export const LOCAL_READ_BUFFER = 1024 * 1024;
/** Write buffer before backpressure applies. */
export const LOCAL_WRITE_BUFFER = 1024 * 1024;

/** stat calls in flight while listing a directory. */
const LIST_CONCURRENCY = 32;

/** Spark passes `spark.hadoop.*` keys to Hadoop; this one sets the local split block size. */
const LOCAL_BLOCK_SIZE_KEY = 'spark.hadoop.fs.local.block.size';

export interface LocalFileSystemOptions {
  blockSize?: number;
  readBufferSize?: number;
  writeBufferSize?: number;
}

/** The local disk, for bare paths and `file:` URIs. Relative paths resolve against the working directory. */
export class LocalFileSystem implements FileSystem {
  readonly scheme = 'file';
  private readonly blockSize: number;
  private readonly readBufferSize: number;
  private readonly writeBufferSize: number;

  constructor(options: LocalFileSystemOptions = {}) {
    this.blockSize = options.blockSize ?? LOCAL_BLOCK_SIZE;
    this.readBufferSize = options.readBufferSize ?? LOCAL_READ_BUFFER;
    this.writeBufferSize = options.writeBufferSize ?? LOCAL_WRITE_BUFFER;
    if (!(this.blockSize >= 1)) throw new RangeError(`block size must be >= 1, got ${this.blockSize}`);
    if (!(this.readBufferSize >= 1))
      throw new RangeError(`read buffer must be >= 1, got ${this.readBufferSize}`);
  }

  static fromConf(conf: SparkConf): LocalFileSystem {
    const raw = conf.get(LOCAL_BLOCK_SIZE_KEY);
    return new LocalFileSystem(
      raw === undefined ? {} : { blockSize: parseBytes(raw, 'b', LOCAL_BLOCK_SIZE_KEY) },
    );
  }

  /** The operating-system path of a bare path or `file:` URI. */
  toLocalPath(path: string): string {
    const parsed = parsePath(path);
    if (parsed.scheme !== undefined && parsed.scheme !== 'file') {
      throw new InvalidInputError(
        'UNSUPPORTED_SCHEME',
        path,
        `The local file system cannot open ${path}: it is a ${parsed.scheme}: path.`,
      );
    }
    if (parsed.authority !== undefined && parsed.authority !== '' && parsed.authority !== 'localhost') {
      throw new InvalidInputError(
        'UNSUPPORTED_SCHEME',
        path,
        `file: URI ${path} names host '${parsed.authority}'; only local files are supported (file:///path).`,
      );
    }
    return nodePath.resolve(parsed.path === '' ? '.' : parsed.path);
  }

  /** `file:/abs/path`, the form Hadoop prints for local files. */
  qualify(path: string): string {
    return `file:${this.toLocalPath(path)}`;
  }

  async status(path: string): Promise<FileStatus> {
    const local = this.toLocalPath(path);
    let st: Stats;
    try {
      st = await fsp.stat(local);
    } catch (e) {
      throw this.error(e, path, 'stat');
    }
    return this.toStatus(`file:${local}`, st);
  }

  async exists(path: string): Promise<boolean> {
    try {
      await fsp.access(this.toLocalPath(path), fsConstants.F_OK);
      return true;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT' || (e as NodeJS.ErrnoException).code === 'ENOTDIR')
        return false;
      throw this.error(e, path, 'access');
    }
  }

  async list(path: string): Promise<FileStatus[]> {
    const st = await this.status(path);
    if (!st.isDirectory) return [st];
    const dir = this.toLocalPath(path);
    let names: string[];
    try {
      names = await fsp.readdir(dir);
    } catch (e) {
      throw this.error(e, path, 'list');
    }
    names.sort();
    const statuses = await mapLimited(names, LIST_CONCURRENCY, async (name) => {
      const child = nodePath.join(dir, name);
      try {
        return this.toStatus(`file:${child}`, await fsp.stat(child));
      } catch (e) {
        // Deleted between readdir and stat, or a dangling symlink: not part of the listing.
        if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
        throw this.error(e, child, 'stat');
      }
    });
    return statuses.filter((s): s is FileStatus => s !== undefined);
  }

  async open(path: string, range?: { start: number; end?: number }): Promise<NodeJS.ReadableStream> {
    const local = this.toLocalPath(path);
    let handle: fsp.FileHandle;
    try {
      handle = await fsp.open(local, 'r');
    } catch (e) {
      throw this.error(e, path, 'open');
    }
    if ((await handle.stat()).isDirectory()) {
      await handle.close();
      throw new InvalidInputError('IS_A_DIRECTORY', path, `Cannot read ${path}: it is a directory.`);
    }
    const start = range?.start ?? 0;
    const end = range?.end;
    if (end !== undefined && end <= start) {
      // createReadStream's `end` is inclusive and cannot express an empty range.
      await handle.close();
      return Readable.from([]);
    }
    return handle.createReadStream({
      start,
      ...(end === undefined ? {} : { end: end - 1 }),
      highWaterMark: this.readBufferSize,
      autoClose: true,
    });
  }

  async create(path: string, options: { overwrite?: boolean } = {}): Promise<NodeJS.WritableStream> {
    const local = this.toLocalPath(path);
    try {
      await fsp.mkdir(nodePath.dirname(local), { recursive: true });
    } catch (e) {
      throw this.error(e, nodePath.dirname(local), 'create');
    }
    let handle: fsp.FileHandle;
    try {
      handle = await fsp.open(local, options.overwrite ? 'w' : 'wx');
    } catch (e) {
      throw this.error(e, path, 'create');
    }
    return handle.createWriteStream({ highWaterMark: this.writeBufferSize, autoClose: true });
  }

  async mkdirs(path: string): Promise<void> {
    const local = this.toLocalPath(path);
    try {
      await fsp.mkdir(local, { recursive: true });
    } catch (e) {
      throw this.error(e, path, 'mkdirs');
    }
  }

  async rename(src: string, dst: string): Promise<void> {
    const from = this.toLocalPath(src);
    const to = this.toLocalPath(dst);
    if (!(await this.exists(src))) throw new FileNotFoundError(src);
    // rename(2) replaces an existing file or empty directory; the contract forbids both.
    if (await this.exists(dst)) throw new FileAlreadyExistsError(dst);
    try {
      await fsp.mkdir(nodePath.dirname(to), { recursive: true });
      await fsp.rename(from, to);
    } catch (e) {
      // Lost a race: dst appeared after the check (rename(2) refuses a non-empty
      // directory, or a file/directory mismatch).
      const code = (e as NodeJS.ErrnoException).code;
      if (['EEXIST', 'ENOTEMPTY', 'ENOTDIR', 'EISDIR'].includes(code ?? '') && (await this.exists(dst))) {
        throw new FileAlreadyExistsError(dst, { cause: e });
      }
      throw this.error(e, src, 'rename');
    }
  }

  async delete(path: string, recursive: boolean): Promise<boolean> {
    const local = this.toLocalPath(path);
    let st: Stats;
    try {
      st = await fsp.lstat(local);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return false;
      throw this.error(e, path, 'delete');
    }
    try {
      if (st.isDirectory()) {
        if (recursive) await fsp.rm(local, { recursive: true, force: true });
        else await fsp.rmdir(local);
      } else {
        await fsp.unlink(local);
      }
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOTEMPTY') {
        throw new InvalidInputError(
          'DIRECTORY_NOT_EMPTY',
          path,
          `Cannot delete ${path}: the directory is not empty and recursive delete was not requested.`,
        );
      }
      throw this.error(e, path, 'delete');
    }
    return true;
  }

  async blockLocations(path: string, start: number, length: number): Promise<BlockLocation[]> {
    // Like Hadoop's local file system: one location covering the whole file, on this host.
    const st = await this.status(path);
    if (st.isDirectory || start < 0 || length <= 0 || start >= st.length) return [];
    return [{ offset: 0, length: st.length, hosts: ['localhost'] }];
  }

  private toStatus(qualified: string, st: Stats): FileStatus {
    return {
      path: qualified,
      length: st.isDirectory() ? 0 : st.size,
      isDirectory: st.isDirectory(),
      modificationTime: Math.floor(st.mtimeMs),
      blockSize: this.blockSize,
    };
  }

  private error(e: unknown, path: string, operation: string): Error {
    return fromSystemError(e, path, operation, currentUser());
  }
}

function currentUser(): string | undefined {
  try {
    return userInfo().username;
  } catch {
    return undefined;
  }
}
