/**
 * WebHDFS JSON shapes as the NameNode sends them (field names exact; see
 * WebHDFS.md "JSON Schemas"), and the typed values the client returns.
 */

/** `{"FileStatus": {...}}` / elements of `{"FileStatuses": {"FileStatus": [...]}}`. */
export interface FileStatusJson {
  accessTime: number;
  blockSize: number;
  childrenNum?: number;
  fileId?: number;
  group: string;
  length: number;
  modificationTime: number;
  owner: string;
  pathSuffix: string;
  /** Octal string, e.g. "755"; may carry a sticky-bit digit ("1777"). */
  permission: string;
  replication: number;
  storagePolicy?: number;
  symlink?: string;
  type: 'FILE' | 'DIRECTORY' | 'SYMLINK';
  aclBit?: boolean;
  encBit?: boolean;
  ecBit?: boolean;
  snapshotEnabled?: boolean;
}

/** One element of `{"BlockLocations": {"BlockLocation": [...]}}` (GETFILEBLOCKLOCATIONS). */
export interface BlockLocationJson {
  offset: number;
  length: number;
  hosts: string[];
  names: string[];
  topologyPaths: string[];
  storageIds?: string[];
  storageTypes?: string[];
  cachedHosts?: string[];
  corrupt: boolean;
}

/** The private GET_BLOCK_LOCATIONS answer, `{"LocatedBlocks": {...}}`: only what we read. */
export interface LocatedBlocksJson {
  fileLength: number;
  isUnderConstruction?: boolean;
  locatedBlocks: {
    startOffset: number;
    isCorrupt?: boolean;
    block: { numBytes: number; blockId?: number };
    locations: { hostName: string; ipAddr: string; xferPort: number; networkLocation?: string }[];
    cachedLocations?: { hostName: string }[];
  }[];
}

export type FileType = FileStatusJson['type'];

/** A file or directory, with its absolute HDFS path. */
export interface HdfsFileStatus {
  /** Absolute path, e.g. `/user/alice/data.txt`. */
  path: string;
  /** The last path component (empty for `/`). */
  name: string;
  type: FileType;
  length: number;
  owner: string;
  group: string;
  /** Permission bits as a number (e.g. 0o755), sticky bit included. */
  permission: number;
  replication: number;
  blockSize: number;
  /** Milliseconds since the epoch: what YARN local resources must carry as `timestamp`. */
  modificationTime: number;
  accessTime: number;
  fileId?: number;
  childrenNum?: number;
  symlink?: string;
}

export interface HdfsBlockLocation {
  offset: number;
  length: number;
  /** DataNode host names (what locality matching uses). */
  hosts: string[];
  /** `ip:xferPort` of each replica. */
  names: string[];
  topologyPaths: string[];
  storageTypes: string[];
  cachedHosts: string[];
  corrupt: boolean;
}

export interface CreateOptions {
  /** Replace an existing file (WebHDFS default: false, fail with FileAlreadyExists). */
  overwrite?: boolean;
  /** Permission of the new file, e.g. 0o644 or '644'. */
  permission?: number | string;
  replication?: number;
  blockSize?: number;
}

export interface OpenOptions {
  offset?: number;
  /** Bytes to read; to the end of the file if absent. */
  length?: number;
}
