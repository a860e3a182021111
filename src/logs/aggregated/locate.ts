/**
 * Where a finished application's aggregated logs are (Hadoop 3.x
 * LogAggregationUtils / LogAggregationFileController):
 *
 *   root   = yarn.log-aggregation.<Format>.remote-app-log-dir  || yarn.nodemanager.remote-app-log-dir (/tmp/logs)
 *   suffix = yarn.log-aggregation.<Format>.remote-app-log-dir-suffix
 *            || (yarn.nodemanager.remote-app-log-dir-suffix (logs)) + "-" + lower(<Format>)     e.g. logs-tfile
 *
 *   3.3+        <root>/<user>/bucket-<suffix>/<app sequence % 10000, 4 digits>/<appId>/<host>_<port>
 *   3.2         <root>/<user>/<suffix>/<appId>/...                 (read when ...include-older is true, the default)
 *   3.1 and older, TFile only: <root>/<user>/<base suffix>/<appId>/...
 *
 * Formats are tried in the order of yarn.log-aggregation.file-formats; the
 * first with a directory for the application wins, as in LogsCLI. Files
 * ending in .tmp are still being written and are skipped.
 */
import { IndexedFormatUnsupportedError, LogsPermissionError } from '../errors.js';
import type { HadoopConfLike, LogsFileStatus, LogsFileSystem } from '../deps.js';

const TFILE_CONTROLLER =
  'org.apache.hadoop.yarn.logaggregation.filecontroller.tfile.LogAggregationTFileController';
const INDEXED_CONTROLLER =
  'org.apache.hadoop.yarn.logaggregation.filecontroller.ifile.LogAggregationIndexedFileController';

export interface AggregationFormat {
  /** As listed in yarn.log-aggregation.file-formats, e.g. TFile, IndexedFormat. */
  name: string;
  kind: 'tfile' | 'indexed' | 'other';
  root: string;
  suffix: string;
}

export interface AggregationSettings {
  enabled: boolean;
  formats: AggregationFormat[];
  /** yarn.nodemanager.remote-app-log-dir-suffix (pre-3.2 directory name). */
  baseSuffix: string;
  includeOlder: boolean;
  /** yarn.log.server.web-service.url, if set. */
  logServerWebServiceUrl?: string;
}

export function aggregationSettings(conf: HadoopConfLike): AggregationSettings {
  const get = (key: string): string | undefined => {
    const v = conf.get(key)?.trim();
    return v === undefined || v === '' ? undefined : v;
  };
  const baseRoot = get('yarn.nodemanager.remote-app-log-dir') ?? '/tmp/logs';
  const baseSuffix = get('yarn.nodemanager.remote-app-log-dir-suffix') ?? 'logs';
  const names = (get('yarn.log-aggregation.file-formats') ?? 'TFile')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const formats = names.map((name): AggregationFormat => {
    const cls =
      get(`yarn.log-aggregation.file-controller.${name}.class`) ??
      (name === 'TFile' ? TFILE_CONTROLLER : undefined);
    const kind =
      cls === TFILE_CONTROLLER
        ? 'tfile'
        : cls === INDEXED_CONTROLLER || /^(IndexedFormat|IFile)$/i.test(name)
          ? 'indexed'
          : 'other';
    return {
      name,
      kind,
      root: stripFsScheme(get(`yarn.log-aggregation.${name}.remote-app-log-dir`) ?? baseRoot),
      suffix:
        get(`yarn.log-aggregation.${name}.remote-app-log-dir-suffix`) ??
        `${baseSuffix}-${name.toLowerCase()}`,
    };
  });
  const webService = get('yarn.log.server.web-service.url');
  return {
    enabled: (get('yarn.log-aggregation-enable') ?? 'false').toLowerCase() === 'true',
    formats,
    baseSuffix,
    includeOlder:
      (get('yarn.nodemanager.remote-app-log-dir.include-older') ?? 'true').toLowerCase() === 'true',
    ...(webService ? { logServerWebServiceUrl: webService } : {}),
  };
}

/** `hdfs://nn:9000/tmp/logs` -> `/tmp/logs`: WebHDFS paths are absolute paths of the default FS. */
function stripFsScheme(dir: string): string {
  const m = /^[a-z][a-z0-9+.-]*:\/\/[^/]*(\/.*)?$/i.exec(dir);
  return m ? (m[1] ?? '/') : dir;
}

/** The 3.3+ bucket: the application's sequence number modulo 10000, four digits. */
export function bucketOf(appId: string): string {
  const seq = Number(appId.split('_')[2]);
  return String(seq % 10000).padStart(4, '0');
}

/** Candidate application directories of one format, newest layout first. */
export function candidateAppDirs(
  settings: AggregationSettings,
  format: AggregationFormat,
  appId: string,
  owner: string,
): string[] {
  const userDir = `${format.root.replace(/\/+$/, '')}/${owner}`;
  const dirs = [`${userDir}/bucket-${format.suffix}/${bucketOf(appId)}/${appId}`];
  if (settings.includeOlder) dirs.push(`${userDir}/${format.suffix}/${appId}`);
  if (format.kind === 'tfile' && settings.baseSuffix !== format.suffix)
    dirs.push(`${userDir}/${settings.baseSuffix}/${appId}`);
  return dirs;
}

export interface NodeLogFile extends LogsFileStatus {
  /** Absolute path on the remote file system. */
  path: string;
}

export interface LocatedLogs {
  format: AggregationFormat;
  /** Directories that exist for the application. */
  appDirs: string[];
  /** One file per NodeManager (more with rolling aggregation), in listing order. */
  files: NodeLogFile[];
}

export function isNotFound(e: unknown): boolean {
  return (e as { code?: unknown })?.code === 'HADOOP_NOT_FOUND';
}

export function isPermissionDenied(e: unknown): boolean {
  return (e as { code?: unknown })?.code === 'HADOOP_PERMISSION_DENIED';
}

/**
 * Finds the application's aggregated files, or undefined if no format has a
 * directory for it. An indexed-format directory raises the unsupported error
 * unless a log server (yarn.log.server.web-service.url) can read it.
 */
export async function locateAggregatedLogs(
  fs: LogsFileSystem,
  settings: AggregationSettings,
  appId: string,
  owner: string,
  user: string,
): Promise<LocatedLogs | undefined> {
  for (const format of settings.formats) {
    const appDirs: string[] = [];
    const files: NodeLogFile[] = [];
    for (const dir of candidateAppDirs(settings, format, appId, owner)) {
      let entries: LogsFileStatus[];
      try {
        entries = await fs.list(dir);
      } catch (e) {
        if (isNotFound(e)) continue;
        if (isPermissionDenied(e)) throw new LogsPermissionError(user, dir, { cause: e });
        throw e;
      }
      appDirs.push(dir);
      for (const entry of entries) {
        if (entry.type !== 'FILE' || entry.name.endsWith('.tmp') || entry.name.endsWith('-checksum'))
          continue;
        if (files.some((f) => f.name === entry.name)) continue;
        files.push({ ...entry, path: `${dir}/${entry.name}` });
      }
    }
    if (appDirs.length === 0) continue;
    // The indexed format is read through the log server, when there is one.
    if (format.kind === 'indexed' && settings.logServerWebServiceUrl === undefined)
      throw new IndexedFormatUnsupportedError(settings.formats.map((f) => f.name).join(','));
    if (format.kind === 'other') continue;
    return { format, appDirs, files };
  }
  return undefined;
}

/**
 * The owner of an application the RM no longer knows: `user` if a directory
 * exists under their name, else the single user directory holding it
 * (LogCLIHelpers.getOwnerForAppIdOrNull does the same with a glob).
 */
export async function guessOwner(
  fs: LogsFileSystem,
  settings: AggregationSettings,
  appId: string,
  user: string,
): Promise<string | undefined> {
  const format = settings.formats.find((f) => f.kind !== 'other');
  if (!format) return undefined;
  const exists = async (owner: string): Promise<boolean> => {
    for (const dir of candidateAppDirs(settings, format, appId, owner)) {
      try {
        await fs.list(dir);
        return true;
      } catch (e) {
        if (!isNotFound(e) && !isPermissionDenied(e)) throw e;
      }
    }
    return false;
  };
  if (await exists(user)) return user;
  let owners: LogsFileStatus[];
  try {
    owners = await fs.list(format.root);
  } catch (e) {
    if (isNotFound(e)) return undefined;
    if (isPermissionDenied(e)) throw new LogsPermissionError(user, format.root, { cause: e });
    throw e;
  }
  const matches: string[] = [];
  for (const o of owners)
    if (o.type === 'DIRECTORY' && o.name !== user && (await exists(o.name))) matches.push(o.name);
  return matches.length === 1 ? matches[0] : undefined;
}
