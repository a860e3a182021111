// WebHDFS: the client, the engine's `hdfs:` FileSystem over it, and their types.
export {
  WebHdfsClient,
  fileSource,
  encodeHdfsPath,
  normalizePath,
  DEFAULT_REQUEST_TIMEOUT_MS,
  DEFAULT_READ_IDLE_TIMEOUT_MS,
  type WebHdfsClientOptions,
  type ReplayableSource,
  type UploadSource,
} from './client.js';
export {
  HdfsFileSystem,
  registerHdfs,
  type HdfsFileSystemOptions,
  type RegisterHdfsOptions,
} from './hdfs-filesystem.js';
export type { CreateOptions, FileType, HdfsBlockLocation, HdfsFileStatus, OpenOptions } from './types.js';
export {
  HadoopRemoteError,
  RemoteNotFoundError,
  RemotePermissionDeniedError,
  RemoteAlreadyExistsError,
  StandbyError,
  HadoopUnreachableError,
  HadoopHttpError,
  HadoopProtocolError,
  NoActiveServerError,
  REMOTE_EXCEPTION_TABLE,
  type RemoteErrorKind,
} from '../rest/errors.js';
export { DEFAULT_RETRY_POLICY, NO_RETRY, type RetryPolicy, type RetryEnv } from '../rest/retry.js';
