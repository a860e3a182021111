import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build, type Message, type Plugin } from 'esbuild';
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
  const runtimePlugin: Plugin = {
    name: 'tspark-runtime',
    setup(b) {
      b.onResolve({ filter: /^tspark$/ }, () => ({ path: 'tspark', namespace: 'tspark-runtime' }));
      b.onLoad({ filter: /.*/, namespace: 'tspark-runtime' }, () => ({ contents: runtimeShimSource(apiExportNames), loader: 'js' }));
    },
  };
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
    await rm(dir, { recursive: true, force: true });
    const errors = (e as { errors?: Message[] }).errors ?? [];
    const detail = errors.length > 0 ? errors.map((m) => `${m.location ? `${m.location.file}:${m.location.line}:${m.location.column}: ` : ''}${m.text}`).join('\n  ') : (e as Error).message;
    throw new UsageError('APP_BUNDLE_FAILED', `Could not bundle the application ${entry}:\n  ${detail}\nFix the error in the application source and submit again.`, { context: { entry } });
  }
  return { moduleUrl: pathToFileURL(outfile).href, path: outfile, dir, dispose: () => rm(dir, { recursive: true, force: true }) };
}
