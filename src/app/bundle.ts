import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
// Type-only: esbuild is loaded when bundling, so containers (which import prebuilt bundles) need not have it.
import type { Message, Plugin } from 'esbuild';
import { UsageError } from '../errors.js';
import { runtimeShimSource } from './runtime.js';

/**
 * Bundles an application entry (JS or TS) into one ES module with a source
 * map, the form that is shipped to executors. `tspark` imports resolve to the
 * host's API (runtime.ts); Node built-ins stay imports; everything else the
 * application imports is bundled in.
 */
export interface ApplicationBundle {
  /** file: URL of the bundled module. */
  moduleUrl: string;
  path: string;
  dir: string;
  dispose(): Promise<void>;
}

export async function bundleApplication(entry: string, apiExportNames: readonly string[], parentDir: string = tmpdir()): Promise<ApplicationBundle> {
  const dir = await mkdtemp(join(parentDir, 'tspark-app-'));
  const outfile = join(dir, 'app.mjs');
  try {
    await writeApplicationBundle(entry, outfile, apiExportNames);
  } catch (e) {
    await rm(dir, { recursive: true, force: true });
    throw e;
  }
  return { moduleUrl: pathToFileURL(outfile).href, path: outfile, dir, dispose: () => rm(dir, { recursive: true, force: true }) };
}

/**
 * Writes the bundle of `entry` to `outfile` (and `outfile.map`). This is the
 * file shipped to YARN containers as well: there it is imported as is, with
 * the container's tspark API installed first (see loadApplication's
 * `prebundled`), so the containers need no bundler.
 */
export async function writeApplicationBundle(entry: string, outfile: string, apiExportNames: readonly string[]): Promise<void> {
  const runtimePlugin: Plugin = {
    name: 'tspark-runtime',
    setup(b) {
      b.onResolve({ filter: /^tspark$/ }, () => ({ path: 'tspark', namespace: 'tspark-runtime' }));
      b.onLoad({ filter: /.*/, namespace: 'tspark-runtime' }, () => ({ contents: runtimeShimSource(apiExportNames), loader: 'js' }));
    },
  };
  const { build } = await import('esbuild');
  try {
    await build({
      entryPoints: [entry],
      outfile,
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      sourcemap: true,
      logLevel: 'silent',
      plugins: [runtimePlugin],
      banner: { js: "import { createRequire as __tsparkCreateRequire } from 'node:module'; const require = __tsparkCreateRequire(import.meta.url);" },
    });
  } catch (e) {
    const errors = (e as { errors?: Message[] }).errors ?? [];
    const detail = errors.length > 0 ? errors.map((m) => `${m.location ? `${m.location.file}:${m.location.line}:${m.location.column}: ` : ''}${m.text}`).join('\n  ') : (e as Error).message;
    throw new UsageError('APP_BUNDLE_FAILED', `Could not bundle the application ${entry}:\n  ${detail}\nFix the error in the application source and submit again.`, { context: { entry } });
  }
}
