import type { SparkConf } from '../../conf/spark-conf.js';
import { UnsupportedSchemeError } from './errors.js';
import { parsePath } from './paths.js';

/**
 * The engine's file-system interface (docs/internals/engine-contracts.md, "Files").
 * `file:` is the local disk; `hdfs:` is WebHDFS (hadoop-file-systems.ts); a bare
 * path is on the default file system (fs.defaultFS, local unless configured). Everything above this interface (splits, text reading, output commit)
 * works on any implementation.
 */

export interface FileStatus {
  /** Fully qualified path (`file:/abs/path`, `hdfs://nn:8020/path`), usable with the same file system. */
  path: string;
  length: number;
  isDirectory: boolean;
  /** Milliseconds since the epoch. */
  modificationTime: number;
  /** The block size input splitting uses (HDFS block size; 32 MiB locally, like Hadoop's fs.local.block.size). */
  blockSize: number;
}

export interface BlockLocation {
  offset: number;
  length: number;
  /** Hosts holding a replica; preferred locations of splits in this block. */
  hosts: string[];
}

export interface FileSystem {
  readonly scheme: string;
  /** Throws FileNotFoundError (code FILE_NOT_FOUND) when nothing is at `path`. */
  status(path: string): Promise<FileStatus>;
  exists(path: string): Promise<boolean>;
  /** The children of a directory (sorted by name), or the file itself for a file. */
  list(path: string): Promise<FileStatus[]>;
  /**
   * A byte stream of the file from `range.start` (default 0) to `range.end` (exclusive;
   * default end of file). Throws FileNotFoundError before returning if the file is missing.
   */
  open(path: string, range?: { start: number; end?: number }): Promise<NodeJS.ReadableStream>;
  /**
   * A new file, parent directories created. Without `overwrite` an existing file is an
   * error (FILE_EXISTS). The data is complete once the stream has emitted 'finish'
   * (use `finished()` from node:stream/promises).
   */
  create(path: string, options?: { overwrite?: boolean }): Promise<NodeJS.WritableStream>;
  /** Creates the directory and any missing parents; an existing directory is fine. */
  mkdirs(path: string): Promise<void>;
  /**
   * Moves `src` (file or directory) to `dst`, creating dst's parent. `dst` must not
   * exist: an existing `dst` is FILE_EXISTS (this is what lets only one task commit win).
   */
  rename(src: string, dst: string): Promise<void>;
  /** True if something was deleted; false if nothing was there. */
  delete(path: string, recursive: boolean): Promise<boolean>;
  /** Blocks overlapping [start, start + length), in offset order. */
  blockLocations(path: string, start: number, length: number): Promise<BlockLocation[]>;
}

/** The Spark key of Hadoop's fs.defaultFS: bare paths resolve against it. */
export const DEFAULT_FS_KEY = 'spark.hadoop.fs.defaultFS';

/** Scheme and authority of the default file system (`file:` unless spark.hadoop.fs.defaultFS says otherwise). */
export function defaultFileSystem(conf: SparkConf): { scheme: string; authority: string | undefined } {
  const { scheme, authority } = parsePath(conf.get(DEFAULT_FS_KEY)?.trim() || 'file:///');
  return { scheme: scheme ?? 'file', authority };
}

/**
 * Builds the file system for one scheme. `authority` is the `host:port` of the path
 * (`hdfs://nn:8020/x` -> 'nn:8020'), undefined when the path has none.
 */
export type FileSystemFactory = (conf: SparkConf, authority?: string) => FileSystem;

/** Scheme -> factory. One per process by default (`defaultFileSystemRegistry`); tests may build their own. */
export class FileSystemRegistry {
  private readonly factories = new Map<string, FileSystemFactory>();

  register(scheme: string, factory: FileSystemFactory): void {
    this.factories.set(scheme.toLowerCase(), factory);
  }

  schemes(): string[] {
    return [...this.factories.keys()].sort();
  }

  /**
   * The file system for `path`. A path without a scheme is on the default file
   * system, `spark.hadoop.fs.defaultFS` (Hadoop's rule; `file:` when unset).
   */
  fileSystemFor(path: string, conf: SparkConf): FileSystem {
    const parsed = parsePath(path);
    const { scheme, authority } = parsed.scheme === undefined ? defaultFileSystem(conf) : parsed;
    const key = scheme ?? 'file';
    const factory = this.factories.get(key);
    if (factory === undefined) throw new UnsupportedSchemeError(key, path, this.schemes());
    return factory(conf, authority);
  }
}
