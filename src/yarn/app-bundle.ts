import path from 'node:path';
import { build } from 'esbuild';
import { ExitCode, TsparkError } from '../errors.js';

/**
 * The application as one ES module for containers: the entry (JS or TS) and
 * everything it imports, except `tspark` itself, which stays a bare import so
 * that it resolves to the runtime localized at `node_modules/tspark` in the
 * container's working directory (see ContainerLayout).
 */
export async function bundleForContainers(entry: string, outFile: string): Promise<{ file: string; mapFile: string }> {
  try {
    await build({
      entryPoints: [entry],
      outfile: outFile,
      bundle: true,
      format: 'esm',
      platform: 'node',
      target: 'node20',
      sourcemap: 'external',
      external: ['tspark', 'tspark/*'],
      logLevel: 'silent',
      // Packages that use require() inside an ES module bundle need a require function. The alias differs
      // from src/app/bundle.ts's: the AM bundles this file again with that banner (same name = SyntaxError).
      banner: { js: "import { createRequire as __tsparkContainerRequire } from 'node:module'; const require = __tsparkContainerRequire(import.meta.url);" },
    });
  } catch (e) {
    const errors = (e as { errors?: { text: string; location?: { file: string; line: number } }[] }).errors ?? [];
    const first = errors[0];
    const where = first?.location ? ` (${first.location.file}:${first.location.line})` : '';
    throw new TsparkError(
      'APP_BUNDLE_FAILED',
      `cannot bundle ${path.basename(entry)}: ${first?.text ?? (e as Error).message}${where}; fix the application code or its imports`,
      { exitCode: ExitCode.USAGE, cause: e },
    );
  }
  return { file: outFile, mapFile: `${outFile}.map` };
}
