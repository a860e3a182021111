import type { SparkConf } from '../../conf/spark-conf.js';
import { FileSystemRegistry, type FileSystem, type FileSystemFactory } from './file-system.js';
import { LocalFileSystem } from './local-file-system.js';

/**
 * The process's (worker thread's) file-system registry. `file:` is built in; `hdfs:`
 * is added by installHadoopFileSystems (hadoop-file-systems.ts) where the engine starts.
 */
export const defaultFileSystemRegistry = new FileSystemRegistry();
defaultFileSystemRegistry.register('file', (conf) => LocalFileSystem.fromConf(conf));

export function registerFileSystem(scheme: string, factory: FileSystemFactory): void {
  defaultFileSystemRegistry.register(scheme, factory);
}

/** The file system for a path: bare paths are on spark.hadoop.fs.defaultFS (local when unset); unknown schemes are UNSUPPORTED_SCHEME. */
export function fileSystemFor(path: string, conf: SparkConf): FileSystem {
  return defaultFileSystemRegistry.fileSystemFor(path, conf);
}
