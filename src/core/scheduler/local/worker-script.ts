import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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
  const dir = await mkdtemp(join(tmpdir(), 'tspark-worker-'));
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
    // CommonJS dependencies inside an ESM bundle need a require
    banner: { js: "import { createRequire as __tsparkCreateRequire } from 'node:module'; const require = __tsparkCreateRequire(import.meta.url);" },
  });
  return { path: outfile, dispose: () => rm(dir, { recursive: true, force: true }) };
}
