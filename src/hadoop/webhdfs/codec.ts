import type {
  BlockLocationJson,
  FileStatusJson,
  HdfsBlockLocation,
  HdfsFileStatus,
  LocatedBlocksJson,
} from './types.js';

/**
 * WebHDFS JSON answers -> typed values. Pure functions, no I/O; a missing or
 * mistyped field throws `WebHdfsDecodeError`, which the client reports as a
 * protocol error naming the operation.
 */
export class WebHdfsDecodeError extends Error {}

function obj(v: unknown, what: string): Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v))
    throw new WebHdfsDecodeError(`${what} is not an object`);
  return v as Record<string, unknown>;
}

function num(o: Record<string, unknown>, key: string, what: string): number {
  const v = o[key];
  if (typeof v !== 'number' || !Number.isFinite(v))
    throw new WebHdfsDecodeError(`${what}.${key} is not a number`);
  return v;
}

function str(o: Record<string, unknown>, key: string, what: string): string {
  const v = o[key];
  if (typeof v !== 'string') throw new WebHdfsDecodeError(`${what}.${key} is not a string`);
  return v;
}

function strings(v: unknown): string[] {
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
}

export function parseJson(body: Buffer): unknown {
  const text = body.toString('utf8');
  try {
    return JSON.parse(text);
  } catch {
    throw new WebHdfsDecodeError(`body is not JSON: ${text.slice(0, 120)}`);
  }
}

/** Joins a directory and a child name into an absolute path. */
export function childPath(dir: string, name: string): string {
  if (name === '') return dir;
  return dir.endsWith('/') ? `${dir}${name}` : `${dir}/${name}`;
}

export function decodeFileStatusJson(raw: unknown, path: string): HdfsFileStatus {
  const o = obj(raw, 'FileStatus') as unknown as FileStatusJson & Record<string, unknown>;
  const type = str(o, 'type', 'FileStatus');
  if (type !== 'FILE' && type !== 'DIRECTORY' && type !== 'SYMLINK')
    throw new WebHdfsDecodeError(`FileStatus.type '${type}' is unknown`);
  const permission = Number.parseInt(str(o, 'permission', 'FileStatus'), 8);
  if (!Number.isFinite(permission)) throw new WebHdfsDecodeError('FileStatus.permission is not octal');
  const status: HdfsFileStatus = {
    path,
    name: path === '/' ? '' : path.slice(path.lastIndexOf('/') + 1),
    type,
    length: num(o, 'length', 'FileStatus'),
    owner: str(o, 'owner', 'FileStatus'),
    group: str(o, 'group', 'FileStatus'),
    permission,
    replication: num(o, 'replication', 'FileStatus'),
    blockSize: num(o, 'blockSize', 'FileStatus'),
    modificationTime: num(o, 'modificationTime', 'FileStatus'),
    accessTime: num(o, 'accessTime', 'FileStatus'),
  };
  if (typeof o.fileId === 'number') status.fileId = o.fileId;
  if (typeof o.childrenNum === 'number') status.childrenNum = o.childrenNum;
  if (typeof o.symlink === 'string') status.symlink = o.symlink;
  return status;
}

/** GETFILESTATUS: `{"FileStatus": {...}}`; pathSuffix is empty, so the path is the one asked for. */
export function decodeGetFileStatus(raw: unknown, path: string): HdfsFileStatus {
  return decodeFileStatusJson(obj(raw, 'response').FileStatus, path);
}

/**
 * LISTSTATUS: `{"FileStatuses": {"FileStatus": [...]}}`. Listing a file
 * yields that one file with an empty pathSuffix.
 */
export function decodeListStatus(raw: unknown, dir: string): HdfsFileStatus[] {
  const statuses = obj(obj(raw, 'response').FileStatuses, 'FileStatuses').FileStatus;
  if (!Array.isArray(statuses)) throw new WebHdfsDecodeError('FileStatuses.FileStatus is not an array');
  return statuses.map((s) => {
    const suffix =
      typeof (s as { pathSuffix?: unknown }).pathSuffix === 'string'
        ? (s as { pathSuffix: string }).pathSuffix
        : '';
    return decodeFileStatusJson(s, childPath(dir, suffix));
  });
}

/** `{"boolean": true}` (MKDIRS, DELETE, RENAME). */
export function decodeBoolean(raw: unknown): boolean {
  const v = obj(raw, 'response').boolean;
  if (typeof v !== 'boolean') throw new WebHdfsDecodeError('"boolean" is missing');
  return v;
}

/** GETHOMEDIRECTORY: `{"Path": "/user/alice"}`. */
export function decodePath(raw: unknown): string {
  return str(obj(raw, 'response'), 'Path', 'response');
}

/** GETFILEBLOCKLOCATIONS: `{"BlockLocations": {"BlockLocation": [...]}}`. */
export function decodeBlockLocations(raw: unknown): HdfsBlockLocation[] {
  const list = obj(obj(raw, 'response').BlockLocations, 'BlockLocations').BlockLocation;
  if (list === undefined || list === null) return [];
  if (!Array.isArray(list)) throw new WebHdfsDecodeError('BlockLocations.BlockLocation is not an array');
  return list.map((b) => {
    const o = obj(b, 'BlockLocation') as unknown as BlockLocationJson & Record<string, unknown>;
    return {
      offset: num(o, 'offset', 'BlockLocation'),
      length: num(o, 'length', 'BlockLocation'),
      hosts: strings(o.hosts),
      names: strings(o.names),
      topologyPaths: strings(o.topologyPaths),
      storageTypes: strings(o.storageTypes),
      cachedHosts: strings(o.cachedHosts),
      corrupt: o.corrupt === true,
    };
  });
}

/**
 * GET_BLOCK_LOCATIONS (the NameNode's private op, for servers without
 * GETFILEBLOCKLOCATIONS): `{"LocatedBlocks": {...}}`, reduced to the same
 * shape as the public op (whole blocks overlapping the asked range).
 */
export function decodeLocatedBlocks(raw: unknown): HdfsBlockLocation[] {
  const lb = obj(obj(raw, 'response').LocatedBlocks, 'LocatedBlocks') as unknown as LocatedBlocksJson &
    Record<string, unknown>;
  const blocks = lb.locatedBlocks;
  if (blocks === undefined || blocks === null) return [];
  if (!Array.isArray(blocks)) throw new WebHdfsDecodeError('LocatedBlocks.locatedBlocks is not an array');
  return blocks.map((b) => {
    const o = obj(b, 'LocatedBlock');
    const block = obj(o.block, 'LocatedBlock.block');
    const locations = Array.isArray(o.locations) ? o.locations.map((l) => obj(l, 'DatanodeInfo')) : [];
    const cached = Array.isArray(o.cachedLocations)
      ? o.cachedLocations.map((l) => obj(l, 'DatanodeInfo'))
      : [];
    return {
      offset: num(o, 'startOffset', 'LocatedBlock'),
      length: num(block, 'numBytes', 'LocatedBlock.block'),
      hosts: locations.map((l) => str(l, 'hostName', 'DatanodeInfo')),
      names: locations.map(
        (l) => `${str(l, 'ipAddr', 'DatanodeInfo')}:${num(l, 'xferPort', 'DatanodeInfo')}`,
      ),
      topologyPaths: locations.map((l) => {
        const rack = typeof l.networkLocation === 'string' ? l.networkLocation : '/default-rack';
        return `${rack}/${str(l, 'ipAddr', 'DatanodeInfo')}:${num(l, 'xferPort', 'DatanodeInfo')}`;
      }),
      storageTypes: strings(o.storageTypes),
      cachedHosts: cached.map((l) => str(l, 'hostName', 'DatanodeInfo')),
      corrupt: o.isCorrupt === true,
    };
  });
}

/** Permission as WebHDFS wants it in a query: octal digits. */
export function formatPermission(permission: number | string): string {
  if (typeof permission === 'number') {
    if (!Number.isInteger(permission) || permission < 0 || permission > 0o1777)
      throw new RangeError(`permission ${permission} out of range`);
    return permission.toString(8);
  }
  if (!/^[0-7]{1,4}$/.test(permission) || Number.parseInt(permission, 8) > 0o1777) {
    throw new RangeError(`permission '${permission}' is not octal (e.g. 755)`);
  }
  return permission;
}
