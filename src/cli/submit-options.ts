import { Option, type Command } from 'commander';
import { findEntry } from '../conf/registry.js';
import type { SubmitArguments } from '../deploy/submit-plan.js';

/**
 * spark-submit's flags as data: the commander options, `--help` and
 * docs/cli.md's flag table all come from this list. `key` is the
 * configuration key a flag sets (its default is shown from the registry).
 */
export interface SubmitOptionSpec {
  readonly flags: string;
  readonly field: keyof SubmitArguments;
  readonly description: string;
  readonly key?: string;
  /** The option may be given more than once; values accumulate in order. */
  readonly repeatable?: boolean;
}

export const SUBMIT_OPTIONS: readonly SubmitOptionSpec[] = [
  {
    flags: '--master <MASTER_URL>',
    field: 'master',
    key: 'spark.master',
    description: 'local, local[K], local[*], local[K,F], local-cluster[N,C,M] or yarn',
  },
  {
    flags: '--deploy-mode <DEPLOY_MODE>',
    field: 'deployMode',
    key: 'spark.submit.deployMode',
    description: 'client: the driver runs here; cluster: in the YARN ApplicationMaster',
  },
  {
    flags: '--class <EXPORT>',
    field: 'mainExport',
    description: 'the exported function of the entry module to run (default: its default export)',
  },
  { flags: '--name <NAME>', field: 'name', key: 'spark.app.name', description: 'a name for the application' },
  {
    flags: '-c, --conf <KEY=VALUE>',
    field: 'conf',
    repeatable: true,
    description: 'set a configuration property; repeat for more (a value may contain =)',
  },
  {
    flags: '--properties-file <FILE>',
    field: 'propertiesFile',
    description: 'read extra properties from FILE instead of conf/spark-defaults.conf',
  },
  {
    flags: '--driver-memory <MEM>',
    field: 'driverMemory',
    key: 'spark.driver.memory',
    description: 'driver heap, e.g. 1000m, 2g',
  },
  {
    flags: '--driver-cores <NUM>',
    field: 'driverCores',
    key: 'spark.driver.cores',
    description: 'cores for the driver (cluster mode)',
  },
  {
    flags: '--executor-memory <MEM>',
    field: 'executorMemory',
    key: 'spark.executor.memory',
    description: 'heap of each executor, e.g. 1000m, 2g',
  },
  {
    flags: '--executor-cores <NUM>',
    field: 'executorCores',
    key: 'spark.executor.cores',
    description: 'concurrent tasks per executor',
  },
  {
    flags: '--num-executors <NUM>',
    field: 'numExecutors',
    key: 'spark.executor.instances',
    description: 'number of executors to launch (YARN)',
  },
  {
    flags: '--queue <QUEUE_NAME>',
    field: 'queue',
    key: 'spark.yarn.queue',
    description: 'the YARN queue to submit to',
  },
  {
    flags: '--files <FILES>',
    field: 'files',
    key: 'spark.yarn.dist.files',
    description: 'comma-separated files placed in the working directory of each executor',
  },
  {
    flags: '--archives <ARCHIVES>',
    field: 'archives',
    key: 'spark.yarn.dist.archives',
    description: 'comma-separated archives extracted into the working directory of each executor',
  },
  { flags: '--kill <APP_ID>', field: 'kill', description: 'kill the given YARN application' },
  {
    flags: '--status <APP_ID>',
    field: 'status',
    description: 'print the status of the given YARN application',
  },
  {
    flags: '-v, --verbose',
    field: 'verbose',
    description: 'print the parsed arguments and the plan (secrets redacted)',
  },
];

function helpText(spec: SubmitOptionSpec): string {
  if (!spec.key) return spec.description;
  const def = findEntry(spec.key)?.defaultText;
  return `${spec.description} [${spec.key}${def === undefined ? '' : `, default ${def}`}]`;
}

/** Adds the submit flags and the `<entry> [args...]` arguments to a commander command. */
export function addSubmitOptions(cmd: Command): Command {
  for (const spec of SUBMIT_OPTIONS) {
    const opt = new Option(spec.flags, helpText(spec));
    if (spec.repeatable)
      opt.argParser((v: string, prev: string[] | undefined) => [...(prev ?? []), v]).default([]);
    cmd.addOption(opt);
  }
  return cmd
    .argument('[entry]', 'the application: a .js, .mjs, .ts or .mts module')
    .argument('[appArgs...]', 'arguments for the application, passed through untouched')
    .passThroughOptions();
}

/** Reads a parsed commander command back into SubmitArguments. */
export function readSubmitArguments(cmd: Command): SubmitArguments {
  const opts = cmd.opts<Record<string, unknown>>();
  const args: SubmitArguments = { conf: [], verbose: false, appArgs: [] };
  for (const spec of SUBMIT_OPTIONS) {
    const name = new Option(spec.flags).attributeName();
    const v = opts[name];
    if (v === undefined) continue;
    if (spec.field === 'conf') args.conf = v as string[];
    else if (spec.field === 'verbose') args.verbose = v === true;
    else (args as unknown as Record<string, unknown>)[spec.field] = v;
  }
  const [entry, appArgs] = cmd.processedArgs as [string | undefined, string[] | undefined];
  if (entry !== undefined) args.entry = entry;
  args.appArgs = appArgs ?? [];
  return args;
}
