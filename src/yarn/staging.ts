import path from 'node:path';
import { ExitCode, TsparkError } from '../errors.js';
import type { Logger } from '../log.js';
import { fileSource, type WebHdfsClient } from '../hadoop/webhdfs/client.js';
import { RemoteNotFoundError } from '../hadoop/rest/errors.js';
import { visibilityFor, type LocalResource, type LocalResourceType } from './launch-context.js';
import type { RuntimeArchive } from './runtime-archive.js';

/**
 * Puts an application's files into HDFS and describes them as YARN local
 * resources (Spark's Client.prepareLocalResources). Everything private to the
 * application goes under its staging directory (mode 700); the runtime goes
 * once into a shared directory and is reused by every later submission.
 */

export const STAGING_DIR_PERMISSION = 0o700;
export const STAGED_FILE_PERMISSION = 0o644;

export class StagingError extends TsparkError {
  constructor(code: string, message: string, options: { cause?: unknown; exitCode?: (typeof ExitCode)[keyof typeof ExitCode] } = {}) {
    super(code, message, { exitCode: options.exitCode ?? ExitCode.USAGE, cause: options.cause });
  }
}

/** One file to localize: where it is now, and the link name it gets in the container. */
export interface StagedItem {
  /** A local path (uploaded) or an hdfs:// URI (referenced in place). */
  source: string;
  linkName: string;
  type: LocalResourceType;
}

/** `path#alias` -> alias, else the file name (Spark's --files/--archives convention). */
export function linkNameOf(spec: string): { source: string; linkName: string } {
  const hash = spec.lastIndexOf('#');
  if (hash > 0) return { source: spec.slice(0, hash), linkName: spec.slice(hash + 1) };
  return { source: spec, linkName: path.posix.basename(spec.replace(/^[a-z]+:\/\/[^/]*/i, '')) };
}

export interface StagingContext {
  hdfs: WebHdfsClient;
  /** fs.defaultFS, e.g. hdfs://127.0.0.1:9000; prefixes every resource URI. */
  defaultFs: string;
  /** Absolute HDFS path of this application's staging directory. */
  stagingDir: string;
  logger: Logger;
}

export interface StagingResult {
  localResources: Record<string, LocalResource>;
  /** HDFS paths written by this submission (for the record and the tests). */
  uploaded: string[];
  uploadedBytes: number;
}

function uri(defaultFs: string, hdfsPath: string): string {
  return `${defaultFs.replace(/\/+$/, '')}${hdfsPath}`;
}

/** hdfs://host:port/p -> /p, /p -> /p; other schemes are not stageable by reference. */
function hdfsPathOf(source: string): string | undefined {
  const m = /^hdfs:\/\/[^/]*(\/.*)$/.exec(source);
  if (m) return m[1];
  return undefined;
}

async function resourceFor(ctx: StagingContext, hdfsPath: string, type: LocalResourceType): Promise<LocalResource> {
  const status = await ctx.hdfs.getFileStatus(hdfsPath);
  const ancestors: number[] = [];
  for (let dir = path.posix.dirname(hdfsPath); ; dir = path.posix.dirname(dir)) {
    ancestors.push((await ctx.hdfs.getFileStatus(dir)).permission);
    if (dir === '/') break;
  }
  return {
    resource: uri(ctx.defaultFs, hdfsPath),
    type,
    visibility: visibilityFor(status.permission, ancestors),
    size: status.length,
    timestamp: status.modificationTime,
  };
}

/** Creates the staging directory, mode 700. An existing one means an id clash: refuse. */
export async function createStagingDir(ctx: StagingContext): Promise<void> {
  if (await ctx.hdfs.exists(ctx.stagingDir)) {
    throw new StagingError(
      'STAGING_DIR_EXISTS',
      `staging directory ${ctx.stagingDir} already exists: another submission used this application id; remove it or submit again`,
    );
  }
  await ctx.hdfs.mkdirs(ctx.stagingDir, STAGING_DIR_PERMISSION);
  // mkdirs applies the umask; make the mode exact.
  await ctx.hdfs.setPermission(ctx.stagingDir, STAGING_DIR_PERMISSION);
}

/** Uploads local items into the staging directory (hdfs:// items are referenced in place). */
export async function stageItems(ctx: StagingContext, items: readonly StagedItem[]): Promise<StagingResult> {
  const result: StagingResult = { localResources: {}, uploaded: [], uploadedBytes: 0 };
  for (const item of items) {
    if (result.localResources[item.linkName]) {
      throw new StagingError(
        'DUPLICATE_RESOURCE',
        `two files would be localized as '${item.linkName}': rename one, or give it another name with '${item.source}#<name>'`,
      );
    }
    let hdfsPath = hdfsPathOf(item.source);
    if (hdfsPath === undefined) {
      if (/^[a-z][a-z0-9+.-]*:\/\//i.test(item.source) && !item.source.startsWith('file://')) {
        throw new StagingError(
          'UNSUPPORTED_RESOURCE_SCHEME',
          `cannot ship '${item.source}': only local paths and hdfs:// URIs can be distributed`,
        );
      }
      const local = item.source.replace(/^file:\/\//, '');
      let source;
      try {
        source = await fileSource(local);
      } catch (e) {
        throw new StagingError('LOCAL_FILE_NOT_FOUND', `cannot read '${local}' to ship it: ${(e as Error).message}; check the path`, {
          cause: e,
          exitCode: ExitCode.NOT_FOUND,
        });
      }
      hdfsPath = `${ctx.stagingDir}/${path.basename(local)}`;
      await ctx.hdfs.create(hdfsPath, source, { overwrite: false, permission: STAGED_FILE_PERMISSION });
      result.uploaded.push(hdfsPath);
      result.uploadedBytes += source.size ?? 0;
      ctx.logger.info({ source: local, dest: hdfsPath, bytes: source.size }, 'Uploading resource');
    }
    result.localResources[item.linkName] = await resourceFor(ctx, hdfsPath, item.type);
  }
  return result;
}

/**
 * The runtime archive in the shared directory, uploaded only when no archive
 * with the same content hash is there yet. Written under a temporary name and
 * renamed, so a concurrent submission never localizes a half-written file.
 */
export async function ensureRuntime(
  ctx: StagingContext,
  runtime: RuntimeArchive,
  runtimeDir: string,
): Promise<{ resource: LocalResource; uploaded: boolean; bytes: number }> {
  const target = `${runtimeDir.replace(/\/+$/, '')}/${runtime.name}`;
  let uploaded = false;
  let bytes = 0;
  if (!(await ctx.hdfs.exists(target))) {
    await ctx.hdfs.mkdirs(runtimeDir, 0o755);
    const partial = `${target}.${process.pid}.${Date.now()}.partial`;
    const source = await fileSource(runtime.file);
    ctx.logger.info({ dest: target, bytes: source.size }, 'Uploading the tspark runtime (once per version)');
    await ctx.hdfs.create(partial, source, { overwrite: false, permission: STAGED_FILE_PERMISSION });
    // WebHDFS RENAME answers false (no exception) when the target exists.
    uploaded = await ctx.hdfs.rename(partial, target).catch(() => false);
    if (uploaded) {
      bytes = source.size ?? 0;
    } else {
      await ctx.hdfs.delete(partial, false).catch(() => false);
      // Another submission won the race: its copy has the same content.
      if (!(await ctx.hdfs.exists(target))) {
        throw new StagingError('RUNTIME_UPLOAD_FAILED', `could not move the tspark runtime into ${target}: check that ${runtimeDir} is writable`, {
          exitCode: ExitCode.PERMISSION,
        });
      }
    }
  } else {
    ctx.logger.info({ path: target }, 'Reusing the tspark runtime already in HDFS');
  }
  return { resource: await resourceFor(ctx, target, 'ARCHIVE'), uploaded, bytes };
}

/** Removes the staging directory; a directory that is already gone is fine. */
export async function deleteStagingDir(ctx: Pick<StagingContext, 'hdfs' | 'stagingDir' | 'logger'>): Promise<void> {
  try {
    await ctx.hdfs.delete(ctx.stagingDir, true);
    ctx.logger.info({ path: ctx.stagingDir }, 'Deleted staging directory');
  } catch (e) {
    if (e instanceof RemoteNotFoundError) return;
    ctx.logger.warn({ path: ctx.stagingDir, err: (e as Error).message }, 'Could not delete staging directory');
  }
}
