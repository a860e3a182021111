// The engine's file layer; see docs/internals/io.md.
export type { BlockLocation, FileStatus, FileSystem, FileSystemFactory } from './file-system.js';
export { FileSystemRegistry } from './file-system.js';
export { defaultFileSystemRegistry, fileSystemFor, registerFileSystem } from './registry.js';
export { LocalFileSystem, LOCAL_BLOCK_SIZE, type LocalFileSystemOptions } from './local-file-system.js';
export { baseName, isHiddenName, joinPath, parentPath, parsePath, pathPrefix } from './paths.js';
export { expandBraces, globStatus, listInputFiles, splitInputPaths } from './glob.js';
export {
  computeTextSplits,
  planSplits,
  readTextSplit,
  SPLIT_SLOP,
  type FileSplit,
  type InputFile,
} from './text-input.js';
export { readLineBatches } from './line-reader.js';
export { codecFor, type Codec } from './compression.js';
export {
  computeWholeFileSplits,
  planWholeFileSplits,
  readWholeTextFile,
  readWholeTextFiles,
  type WholeFilesSplit,
} from './whole-text-files.js';
export { FileOutputCommitter, partFileName, SUCCESS_FILE, TEMPORARY_DIR } from './output-committer.js';
export { writeTextPartition, type WriteResult } from './text-output.js';
export { readObjectFile, writeObjectPartition } from './object-file.js';
export {
  FileAlreadyExistsError,
  FileNotFoundError,
  FileSystemError,
  InvalidInputError,
  OutputExistsError,
  PermissionDeniedError,
  TaskCommitDeniedError,
  UnsupportedSchemeError,
} from './errors.js';
