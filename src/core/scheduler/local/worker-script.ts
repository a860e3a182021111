import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Where the worker thread's entry module is. From the built package it is the
 * compiled worker-main.js next to this file. When the engine runs from
 * TypeScript sources (tests, `tsx`-style runners), Node cannot load the .ts
 * entry in a worker, so it is bundled once with esbuild into a temporary
 * directory that the backend deletes at stop.
 */
export interface WorkerScript {
  path: string;
  dispose(): Promise<void>;
}

export async function locateWorkerScript(): Promise<WorkerScript> {
  const here = fileURLToPath(import.meta.url);
  const compiled = join(here, '..', 'worker-main.js');
  if (here.endsWith('.js') && existsSync(compiled)) return { path: compiled, dispose: async () => undefined };
  const source = join(here, '..', 'worker-main.ts');
  // inside the package, so the bundle's imports of dependencies resolve through node_modules
  const cacheRoot = join(packageRoot(here), 'node_modules', '.cache');
  await mkdir(cacheRoot, { recursive: true });
  const dir = await mkdtemp(join(cacheRoot, 'tspark-worker-'));
  const outfile = join(dir, 'worker-main.mjs');
  const { build } = await import('esbuild');
  await build({
    entryPoints: [source],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    sourcemap: 'inline',
    logLevel: 'silent',
    packages: 'external',
  });
  return { path: outfile, dispose: () => rm(dir, { recursive: true, force: true }) };
}

function packageRoot(from: string): string {
  let dir = dirname(from);
  while (!existsSync(join(dir, 'package.json'))) {
    const up = dirname(dir);
    if (up === dir) throw new Error(`no package.json above ${from}`);
    dir = up;
  }
  return dir;
}
