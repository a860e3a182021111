import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { ExitCode, UsageError } from '../errors.js';

/**
 * `tspark run-example <Name>` finds `examples/<name>.ts` of the package, as
 * Spark's run-example finds `org.apache.spark.examples.<Name>`: the Spark
 * class name (`SparkPi`, `WordCount`) or the file name (`spark-pi`) both work.
 */

const kebab = (name: string): string =>
  name
    .replace(/([a-z0-9])([A-Z])/g, '$1-$2')
    .replace(/([A-Z])([A-Z][a-z])/g, '$1-$2')
    .toLowerCase();

const EXTENSIONS = ['.ts', '.mts', '.js', '.mjs'];

/** The example names available in `dir` (file stems), sorted. */
export function listExamples(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => EXTENSIONS.some((e) => f.endsWith(e)) && !f.endsWith('.d.ts'))
    .map((f) => f.replace(/\.[^.]+$/, ''))
    .sort();
}

/** The absolute path of an example, or a UsageError listing what exists. */
export function resolveExample(dir: string | undefined, name: string): string {
  const stem = kebab(name.replace(/\.[^.]+$/, ''));
  if (dir) {
    for (const ext of EXTENSIONS) {
      const p = join(dir, stem + ext);
      if (existsSync(p)) return p;
    }
  }
  const available = dir ? listExamples(dir) : [];
  throw new UsageError(
    'EXAMPLE_NOT_FOUND',
    available.length === 0
      ? `example '${name}' not found: this installation has no examples directory (run from a tspark checkout)`
      : `example '${name}' not found: use one of ${available.join(', ')}`,
    { exitCode: ExitCode.ENTRY_NOT_FOUND, context: { example: name } },
  );
}
