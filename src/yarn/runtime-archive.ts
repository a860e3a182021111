import { createHash } from 'node:crypto';
import { createReadStream, existsSync } from 'node:fs';
import { mkdir, readdir, readFile, rename, stat } from 'node:fs/promises';
import path from 'node:path';
import * as tar from 'tar';

/**
 * The tspark runtime that every AM and executor container needs: the built
 * `dist/`, `package.json` and the production dependencies. It is packed once
 * per content hash and uploaded once to a shared HDFS path (the role
 * `spark.yarn.archive` plays for Spark's jars), so a second submission uploads
 * only the application.
 */

/** Packages the containers never load: esbuild bundles on the client only (and weighs ~10 MB). */
const CLIENT_ONLY_PACKAGES = [/^node_modules\/esbuild$/, /^node_modules\/@esbuild\//];

/** Files from the package root that go into the archive, relative paths, sorted. */
export async function collectRuntimeFiles(packageRoot: string): Promise<string[]> {
  const lock = JSON.parse(await readFile(path.join(packageRoot, 'package-lock.json'), 'utf8')) as {
    packages: Record<string, { dev?: boolean; devOptional?: boolean }>;
  };
  const roots = ['package.json', 'dist/src', 'dist/am'];
  for (const [dir, meta] of Object.entries(lock.packages)) {
    if (!dir.startsWith('node_modules/') || meta.dev || meta.devOptional) continue;
    if (CLIENT_ONLY_PACKAGES.some((re) => re.test(dir))) continue;
    // Optional platform packages are listed for every platform; only installed ones exist.
    if (existsSync(path.join(packageRoot, dir))) roots.push(dir);
  }
  const files: string[] = [];
  for (const root of roots) {
    const abs = path.join(packageRoot, root);
    if (!existsSync(abs)) continue;
    const st = await stat(abs);
    if (st.isFile()) files.push(root);
    else await walk(packageRoot, root, files);
  }
  return [...new Set(files)].sort();
}

async function walk(packageRoot: string, rel: string, out: string[]): Promise<void> {
  for (const entry of await readdir(path.join(packageRoot, rel), { withFileTypes: true })) {
    const child = `${rel}/${entry.name}`;
    // Nested node_modules are packages of their own, listed separately in the lock file.
    if (entry.isDirectory() && entry.name !== 'node_modules') await walk(packageRoot, child, out);
    else if (entry.isFile() || entry.isSymbolicLink()) out.push(child);
  }
}

/** SHA-256 over every file's path and bytes: the archive's identity. */
export async function hashRuntimeFiles(packageRoot: string, files: readonly string[]): Promise<string> {
  const h = createHash('sha256');
  for (const rel of files) {
    h.update(`${rel}\0`);
    for await (const chunk of createReadStream(path.join(packageRoot, rel))) h.update(chunk as Buffer);
    h.update('\0');
  }
  return h.digest('hex');
}

export interface RuntimeArchive {
  /** Local path of the packed .tgz. */
  file: string;
  /** File name, also used as the HDFS name: tspark-runtime-<version>-<hash12>.tgz */
  name: string;
  hash: string;
  version: string;
}

/**
 * Packs the runtime into `cacheDir` unless an archive with the same content
 * hash is already there. Entries carry a fixed mtime and no owner so the same
 * content gives the same bytes.
 */
export async function packRuntimeArchive(packageRoot: string, cacheDir: string): Promise<RuntimeArchive> {
  const files = await collectRuntimeFiles(packageRoot);
  if (!files.some((f) => f.startsWith('dist/'))) {
    throw new Error(`no built runtime in ${path.join(packageRoot, 'dist')}: run 'npm run build' first`);
  }
  const hash = await hashRuntimeFiles(packageRoot, files);
  const { version } = JSON.parse(await readFile(path.join(packageRoot, 'package.json'), 'utf8')) as { version: string };
  const name = `tspark-runtime-${version}-${hash.slice(0, 12)}.tgz`;
  const file = path.join(cacheDir, name);
  if (!existsSync(file)) {
    await mkdir(cacheDir, { recursive: true });
    const partial = `${file}.${process.pid}.partial`;
    await tar.c({ gzip: true, cwd: packageRoot, file: partial, portable: true, noMtime: true, noDirRecurse: true }, files);
    await rename(partial, file);
  }
  return { file, name, hash, version };
}
