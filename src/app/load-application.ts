import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { UsageError } from '../errors.js';
import type { SparkContext } from '../core/context.js';
import { bundleApplication, type ApplicationBundle } from './bundle.js';
import { installRuntime } from './runtime.js';

/**
 * An application (design: what an application is): an ES module whose
 * default export, or the export named by --class, is
 * `async function main(sc, args)`. Loading it bundles it (so .ts runs as is),
 * installs the tspark API for its `import 'tspark'`, and imports it. Its
 * top level should only declare: executors import the same bundle.
 */
export type ApplicationMain = (sc: SparkContext, args: string[]) => unknown;

export interface LoadedApplication {
  main: ApplicationMain;
  namespace: Record<string, unknown>;
  bundle: ApplicationBundle;
}

export interface LoadOptions {
  /** Where the bundle's temporary directory goes (default: the OS temporary directory). */
  bundleDir?: string;
  /**
   * `entry` is already a bundle written by writeApplicationBundle (the
   * `__app__.mjs` of a YARN container): import it as is, without bundling.
   */
  prebundled?: boolean;
}

export async function loadApplication(entry: string, mainExport = 'default', options: LoadOptions = {}): Promise<LoadedApplication> {
  if (!existsSync(entry)) {
    throw new UsageError('APP_NOT_FOUND', `Application file ${entry} does not exist: check the path given to tspark-submit.`, { context: { entry } });
  }
  const api = (await import('../index.js')) as Record<string, unknown>;
  installRuntime(api);
  const bundle: ApplicationBundle = options.prebundled
    ? { moduleUrl: pathToFileURL(resolve(entry)).href, path: resolve(entry), dir: dirname(resolve(entry)), dispose: async () => {} }
    : await bundleApplication(entry, Object.keys(api), options.bundleDir);
  let namespace: Record<string, unknown>;
  try {
    namespace = (await import(bundle.moduleUrl)) as Record<string, unknown>;
  } catch (e) {
    await bundle.dispose();
    throw e;
  }
  const main = namespace[mainExport];
  if (typeof main !== 'function') {
    await bundle.dispose();
    const exported = Object.keys(namespace).filter((k) => typeof namespace[k] === 'function');
    const what = mainExport === 'default' ? 'a default export' : `an export named '${mainExport}'`;
    throw new UsageError(
      'APP_MAIN_NOT_FOUND',
      `${entry} has no ${what} that is a function: export \`async function main(sc, args)\`` +
        (mainExport === 'default' ? ' as default' : '') +
        (exported.length > 0 ? `, or pick one of its exported functions with --class (${exported.join(', ')})` : '') +
        '.',
      { context: { entry, mainExport } },
    );
  }
  return { main: main as ApplicationMain, namespace, bundle };
}
