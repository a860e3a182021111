// Command line of `npm run bench -- <suite> [options]`.
import { Command, InvalidArgumentError } from 'commander';

export const SUITES = ['all', 'local', 'yarn', 'wordcount', 'sort', 'skew', 'tasks', 'pi'] as const;
export type Suite = (typeof SUITES)[number];

/** The Spark release from PyPI that the comparison runs against (Spark 4.0 needs Java 17; bundles a Hadoop 3.4 client). */
export const DEFAULT_SPARK_VERSION = '4.0.5';

export interface BenchOptions {
  suite: Suite;
  /** Bytes of generated text for WordCount. */
  size: number;
  /** Records for sortByKey and the skewed aggregations. */
  records: number;
  /** Tasks in the scheduler-overhead job. */
  tasks: number;
  reps: number;
  sparkVersion: string;
  dataDir: string | undefined;
  writeDocs: boolean;
  /** Free text stored with the run and shown in docs (e.g. "smoke run on a loaded machine"). */
  label: string | undefined;
  /** Driver heap for the spill workloads, and the memory fraction that makes them spill. */
  spillDriverMemory: string;
  spillMemoryFraction: number;
  /** Only run tspark (e.g. to profile it); no comparison is made. */
  tsparkOnly: boolean;
}

const SIZE_UNITS: Record<string, number> = { '': 1, b: 1, k: 2 ** 10, m: 2 ** 20, g: 2 ** 30, t: 2 ** 40 };

/** Parses `1g`, `256m`, `64M`, `1048576`, `1.5g`, `512mb`, `2gib` into bytes. */
export function parseSize(text: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*([kmgt]?)(?:i?b)?$/i.exec(text.trim());
  if (!m) throw new InvalidArgumentError(`'${text}' is not a size: use e.g. 64m, 256m, 1g`);
  const bytes = Math.round(Number(m[1]) * SIZE_UNITS[m[2]!.toLowerCase()]!);
  if (bytes < 1) throw new InvalidArgumentError(`size must be at least 1 byte, got '${text}'`);
  return bytes;
}

/** Parses `10000000`, `10m` (= 10,000,000), `500k`, `10_000_000`. */
export function parseCount(text: string): number {
  const m = /^(\d+(?:\.\d+)?)([km]?)$/i.exec(text.trim().replaceAll('_', ''));
  if (!m) throw new InvalidArgumentError(`'${text}' is not a count: use e.g. 1000000, 500k, 10m`);
  const factor = { '': 1, k: 1e3, m: 1e6 }[m[2]!.toLowerCase()]!;
  const n = Math.round(Number(m[1]) * factor);
  if (n < 1) throw new InvalidArgumentError(`count must be at least 1, got '${text}'`);
  return n;
}

function positiveInt(text: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError(`'${text}' is not a positive integer`);
  return n;
}

function fraction(text: string): number {
  const n = Number(text);
  if (!(n > 0 && n <= 1)) throw new InvalidArgumentError(`'${text}' is not a fraction in (0, 1]`);
  return n;
}

/** Parses the arguments after `npm run bench --`; throws commander's errors for bad input. */
export function parseBenchArgs(argv: readonly string[]): BenchOptions {
  const program = new Command('npm run bench --')
    .description('tspark vs Apache Spark on this machine, same programs, same inputs, alternating runs')
    .argument('<suite>', `one of: ${SUITES.join(', ')}`, (s: string) => {
      if (!(SUITES as readonly string[]).includes(s))
        throw new InvalidArgumentError(`unknown suite '${s}': use one of ${SUITES.join(', ')}`);
      return s;
    })
    .option('--size <bytes>', 'generated text for WordCount (64m, 256m, 1g)', parseSize, 2 ** 30)
    .option('--records <n>', 'records for sortByKey and the skewed aggregations', parseCount, 10_000_000)
    .option('--tasks <n>', 'empty tasks in the scheduler-overhead job', parseCount, 10_000)
    .option('--reps <n>', 'repetitions per engine (medians are reported)', positiveInt, 3)
    .option('--spark-version <v>', 'pyspark release to install and compare with', DEFAULT_SPARK_VERSION)
    .option('--data-dir <dir>', 'where generated inputs are cached (default ~/.cache/tspark/bench-data)')
    .option('--write-docs', 'replace the results section of docs/benchmarks.md with this run', false)
    .option('--label <text>', 'note stored with the run (e.g. "smoke run on a loaded machine")')
    .option('--spill-driver-memory <mem>', 'driver memory for the spill workloads', '1g')
    .option('--spill-memory-fraction <f>', 'spark.memory.fraction for the spill workloads', fraction, 0.01)
    .option('--tspark-only', 'run tspark only (no Spark install, no comparison)', false)
    .exitOverride()
    .configureOutput({ writeErr: (s) => process.stderr.write(s) });
  program.parse([...argv], { from: 'user' });
  const o = program.opts();
  return {
    suite: program.processedArgs[0] as Suite,
    size: o.size as number,
    records: o.records as number,
    tasks: o.tasks as number,
    reps: o.reps as number,
    sparkVersion: o.sparkVersion as string,
    dataDir: o.dataDir as string | undefined,
    writeDocs: Boolean(o.writeDocs),
    label: o.label as string | undefined,
    spillDriverMemory: o.spillDriverMemory as string,
    spillMemoryFraction: o.spillMemoryFraction as number,
    tsparkOnly: Boolean(o.tsparkOnly),
  };
}
