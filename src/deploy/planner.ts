import { existsSync, statSync } from 'node:fs';
import { basename, extname, isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { applySparkHadoopOverrides, hadoopConfDirs, loadHadoopConf } from '../conf/hadoop-conf.js';
import { readSparkPropertiesFile } from '../conf/properties.js';
import { ALL_ENTRIES } from '../conf/registry.js';
import { SparkConf } from '../conf/spark-conf.js';
import { formatMiB, parseMemoryMiB } from '../conf/units.js';
import { ExitCode, UsageError, type ExitCodeValue } from '../errors.js';
import { ENTRY_EXTENSIONS, listEntryExports } from './entry-exports.js';
import { legacyYarnMaster, parseMasterUrl } from './master-url.js';
import type { SubmitArguments, SubmitMode, SubmitPlan } from './submit-plan.js';

/**
 * Turns command-line arguments into a SubmitPlan, as Spark's
 * SparkSubmitArguments + SparkSubmit.prepareSubmitEnvironment do:
 *
 * 1. properties: `--conf` pairs, then the properties file fills in what is
 *    missing (`--properties-file`, else `spark-defaults.conf` from
 *    SPARK_CONF_DIR or the package's conf/); non-`spark.` keys are dropped
 *    with a warning;
 * 2. each flag: command line, else its key in those properties, else the
 *    environment variable spark-submit reads for it (MASTER, DEPLOY_MODE,
 *    SPARK_DRIVER_MEMORY, SPARK_EXECUTOR_MEMORY, SPARK_EXECUTOR_CORES,
 *    SPARK_YARN_APP_NAME), else the default;
 * 3. the flags are written over the properties (a flag beats `--conf` for the
 *    same key, as in Spark);
 * 4. validation: each user mistake is a typed error with its own exit code.
 */

/**
 * The smallest driver or executor heap (V8 --max-old-space-size) tspark
 * accepts. Like Spark's reserved system memory (300 MiB, minimum 1.5x), but
 * sized for Node: tspark reserves 32 MiB of every heap for Node and its own
 * code (measured: about 11 MiB of heap after loading the runtime's
 * dependencies, the rest headroom for the engine) and needs at least as much
 * again for task data. Below this V8 spends its time collecting garbage.
 */
export const RESERVED_HEAP_MIB = 32;
export const MIN_HEAP_MIB = 2 * RESERVED_HEAP_MIB;

/** What the planner needs from the process, read at the entry point and passed in. */
export interface PlannerContext {
  env: Readonly<Record<string, string | undefined>>;
  cwd: string;
  /** os.availableParallelism(): resolves local[*]. */
  cores: number;
  /** The OS user name (HADOOP_USER_NAME in env wins). */
  osUser: string;
  /** `<package>/conf`, where spark-defaults.conf is looked up without SPARK_CONF_DIR. */
  packageConfDir?: string;
  /** Lists the runtime exports of an entry module (injectable for tests). */
  listExports?: (file: string) => Promise<string[]>;
}

/** Where a resolved setting came from, for messages. */
interface Sourced {
  value: string;
  from: string;
}

function pick(
  flag: string | undefined,
  flagName: string,
  props: ReadonlyMap<string, string>,
  key: string,
  env?: { name: string; value: string | undefined },
): Sourced | undefined {
  if (flag !== undefined) return { value: flag, from: flagName };
  const p = props.get(key);
  if (p !== undefined) return { value: p, from: key };
  if (env?.value !== undefined && env.value !== '') return { value: env.value, from: env.name };
  return undefined;
}

function parseConfPair(raw: string): [string, string] {
  const eq = raw.indexOf('=');
  if (eq <= 0) {
    throw new UsageError('BAD_CONF', `--conf '${raw}' is not key=value: write --conf spark.some.key=value`, {
      context: { conf: raw },
    });
  }
  return [raw.slice(0, eq).trim(), raw.slice(eq + 1)];
}

function defaultPropertiesFile(ctx: PlannerContext): string | undefined {
  const dirs = [ctx.env.SPARK_CONF_DIR, ctx.packageConfDir].filter((d): d is string => !!d);
  for (const dir of dirs) {
    const f = join(dir, 'spark-defaults.conf');
    if (existsSync(f)) return f;
  }
  return undefined;
}

function memoryOf(s: Sourced | undefined, role: 'driver' | 'executor'): number | undefined {
  if (!s) return undefined;
  const mib = parseMemoryMiB(s.value, s.from);
  if (mib < MIN_HEAP_MIB) {
    const flag = role === 'driver' ? '--driver-memory' : '--executor-memory';
    throw new UsageError(
      'MEMORY_TOO_SMALL',
      `${s.from} ${s.value} is below the minimum ${role} memory of ${formatMiB(MIN_HEAP_MIB)}: ` +
        `tspark reserves ${RESERVED_HEAP_MIB} MiB of each V8 heap for Node and its own code and needs as much again ` +
        `for task data; use ${flag} ${formatMiB(MIN_HEAP_MIB)} or more`,
      { exitCode: ExitCode.MEMORY_TOO_SMALL, context: { [role + 'Memory']: s.value } },
    );
  }
  return mib;
}

function positiveInt(
  s: Sourced | undefined,
  what: string,
  code: ExitCodeValue = ExitCode.USAGE,
): number | undefined {
  if (!s) return undefined;
  const t = s.value.trim();
  const n = /^-?\d+$/.test(t) ? Number(t) : NaN;
  if (!Number.isInteger(n) || n <= 0) {
    throw new UsageError(
      code === ExitCode.BAD_EXECUTOR_COUNT ? 'BAD_EXECUTOR_COUNT' : 'BAD_NUMBER',
      `${s.from} ${s.value} is not a valid ${what}: give a whole number of at least 1`,
      { exitCode: code, context: { [s.from]: s.value } },
    );
  }
  return n;
}

function splitList(raw: string | undefined): string[] {
  return (raw ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
}

/** Local paths become absolute and must exist; URIs (hdfs://, file:, ...) are kept. */
function resolveResources(list: string[], flag: string, cwd: string): string[] {
  return list.map((item) => {
    const hash = item.indexOf('#');
    const path = hash >= 0 ? item.slice(0, hash) : item;
    const fragment = hash >= 0 ? item.slice(hash) : '';
    if (/^[a-zA-Z][a-zA-Z0-9+.-]*:/.test(path) && !path.startsWith('file:')) return item;
    const local = path.startsWith('file:') ? fileURLToPath(path) : resolve(cwd, path);
    if (!existsSync(local)) {
      throw new UsageError(
        'RESOURCE_NOT_FOUND',
        `${flag}: ${path} does not exist: fix the path or remove it from ${flag}`,
        {
          exitCode: ExitCode.NOT_FOUND,
          context: { path: local },
        },
      );
    }
    return local + fragment;
  });
}

function resolveEntry(raw: string | undefined, cwd: string): string {
  if (raw === undefined || raw.trim() === '') {
    throw new UsageError(
      'NO_ENTRY',
      'no application entry file given: run tspark-submit [options] <app.js|app.ts> [app arguments]',
    );
  }
  if (/^[a-zA-Z][a-zA-Z0-9+.-]*:/.test(raw) && !raw.startsWith('file:')) {
    throw new UsageError(
      'ENTRY_NOT_LOCAL',
      `application entry ${raw} is not a local file: tspark bundles the entry on this machine, so copy it here first`,
      { exitCode: ExitCode.ENTRY_NOT_FOUND, context: { path: raw } },
    );
  }
  const file = raw.startsWith('file:') ? fileURLToPath(raw) : isAbsolute(raw) ? raw : resolve(cwd, raw);
  let isFile = false;
  try {
    isFile = statSync(file).isFile();
  } catch {
    isFile = false;
  }
  if (!isFile) {
    throw new UsageError(
      'ENTRY_NOT_FOUND',
      `application entry ${raw} does not exist (looked at ${file}): check the path`,
      {
        exitCode: ExitCode.ENTRY_NOT_FOUND,
        context: { path: file },
      },
    );
  }
  const ext = extname(file).toLowerCase();
  if (!(ENTRY_EXTENSIONS as readonly string[]).includes(ext)) {
    throw new UsageError(
      'ENTRY_NOT_MODULE',
      `application entry ${raw} is not a JavaScript or TypeScript module: give a ${ENTRY_EXTENSIONS.join(', ')} file`,
      { exitCode: ExitCode.ENTRY_NOT_FOUND, context: { path: file } },
    );
  }
  return file;
}

async function checkExport(
  file: string,
  mainExport: string,
  fromFlag: boolean,
  ctx: PlannerContext,
): Promise<void> {
  const names = await (ctx.listExports ?? listEntryExports)(file);
  if (names.includes(mainExport)) return;
  const has =
    names.length === 0 ? 'it exports nothing' : `it exports ${names.map((n) => `'${n}'`).join(', ')}`;
  const fix = fromFlag
    ? `export a function named ${mainExport} or pass one of its exports to --class`
    : 'add `export default async function main(sc, args) { ... }` or name the function with --class';
  throw new UsageError(
    'EXPORT_NOT_FOUND',
    `${basename(file)} has no export '${mainExport}' (${has}): ${fix}`,
    { exitCode: ExitCode.EXPORT_NOT_FOUND, context: { path: file, export: mainExport } },
  );
}

function modeOf(kind: 'local' | 'local-cluster' | 'yarn', deployMode: 'client' | 'cluster'): SubmitMode {
  if (kind === 'yarn') return deployMode === 'cluster' ? 'yarn-cluster' : 'yarn-client';
  return kind;
}

/** Builds and validates the plan. Throws TsparkError subclasses for every user mistake. */
export async function planSubmit(args: SubmitArguments, ctx: PlannerContext): Promise<SubmitPlan> {
  const warnings: string[] = [];
  if (args.kill !== undefined && args.status !== undefined) {
    throw new UsageError('KILL_AND_STATUS', '--kill and --status were both given: ask for one at a time');
  }
  const action = args.kill !== undefined ? 'kill' : args.status !== undefined ? 'status' : 'submit';

  // 1. Properties: --conf first, the file fills gaps.
  const props = new Map<string, string>();
  for (const raw of args.conf) {
    const [k, v] = parseConfPair(raw);
    props.set(k, v);
  }
  let propertiesFile: string | undefined;
  if (args.propertiesFile !== undefined) {
    propertiesFile = resolve(ctx.cwd, args.propertiesFile);
  } else {
    propertiesFile = defaultPropertiesFile(ctx);
  }
  if (propertiesFile !== undefined) {
    for (const [k, v] of readSparkPropertiesFile(propertiesFile)) if (!props.has(k)) props.set(k, v);
  }
  for (const k of [...props.keys()]) {
    if (!k.startsWith('spark.')) {
      warnings.push(`ignoring non-Spark config property: ${k}`);
      props.delete(k);
    }
  }

  // 2. Flags, with properties and environment as fallbacks.
  const env = ctx.env;
  const master = pick(args.master, '--master', props, 'spark.master', { name: 'MASTER', value: env.MASTER });
  const deployModeS = pick(args.deployMode, '--deploy-mode', props, 'spark.submit.deployMode', {
    name: 'DEPLOY_MODE',
    value: env.DEPLOY_MODE,
  });
  // Without a master, kill and status can only mean a YARN application.
  const masterText = master?.value ?? (action === 'submit' ? 'local[*]' : 'yarn');
  let deployModeText = deployModeS?.value;
  if (deployModeText !== undefined && deployModeText !== 'client' && deployModeText !== 'cluster') {
    throw new UsageError(
      'BAD_DEPLOY_MODE',
      `${deployModeS!.from} '${deployModeText}' is not a deploy mode: use client or cluster`,
    );
  }
  let effectiveMaster = masterText;
  const legacy = legacyYarnMaster(masterText, deployModeText);
  if (legacy) {
    warnings.push(legacy.warning);
    effectiveMaster = legacy.master;
    deployModeText = legacy.deployMode;
  }
  const masterUrl = parseMasterUrl(effectiveMaster, ctx.cores);
  const deployMode = (deployModeText ?? 'client') as 'client' | 'cluster';
  if (masterUrl.kind !== 'yarn' && deployMode === 'cluster') {
    throw new UsageError(
      'DEPLOY_MODE_CONFLICT',
      `cluster deploy mode is not compatible with master '${effectiveMaster}': drop --deploy-mode cluster, or use --master yarn`,
      { exitCode: ExitCode.DEPLOY_MODE_CONFLICT, context: { master: effectiveMaster } },
    );
  }
  const mode = modeOf(masterUrl.kind, deployMode);
  const isYarn = masterUrl.kind === 'yarn';

  const driverMemory = memoryOf(
    pick(args.driverMemory, '--driver-memory', props, 'spark.driver.memory', {
      name: 'SPARK_DRIVER_MEMORY',
      value: env.SPARK_DRIVER_MEMORY,
    }),
    'driver',
  );
  const executorMemoryS = pick(args.executorMemory, '--executor-memory', props, 'spark.executor.memory', {
    name: 'SPARK_EXECUTOR_MEMORY',
    value: env.SPARK_EXECUTOR_MEMORY,
  });
  const executorMemory = memoryOf(executorMemoryS, 'executor');
  const executorCores = positiveInt(
    pick(args.executorCores, '--executor-cores', props, 'spark.executor.cores', {
      name: 'SPARK_EXECUTOR_CORES',
      value: env.SPARK_EXECUTOR_CORES,
    }),
    'number of executor cores',
  );
  const driverCores = positiveInt(
    pick(args.driverCores, '--driver-cores', props, 'spark.driver.cores'),
    'number of driver cores',
  );
  const numExecutors = positiveInt(
    pick(args.numExecutors, '--num-executors', props, 'spark.executor.instances'),
    'number of executors',
    ExitCode.BAD_EXECUTOR_COUNT,
  );
  if (masterUrl.kind === 'local-cluster') {
    memoryOf({ value: `${masterUrl.memoryMiB}m`, from: `${masterUrl.text} executor memory` }, 'executor');
  }
  const queue = pick(args.queue, '--queue', props, 'spark.yarn.queue');
  const filesKey = isYarn ? 'spark.yarn.dist.files' : 'spark.files';
  const archivesKey = isYarn ? 'spark.yarn.dist.archives' : 'spark.archives';
  const files = resolveResources(splitList(args.files ?? props.get(filesKey)), '--files', ctx.cwd);
  const archives = resolveResources(
    splitList(args.archives ?? props.get(archivesKey)),
    '--archives',
    ctx.cwd,
  );

  // 3. The effective configuration: properties, then flags over them.
  const conf = new SparkConf(props);
  conf.set('spark.master', effectiveMaster);
  conf.set('spark.submit.deployMode', deployMode);
  if (driverMemory !== undefined) conf.set('spark.driver.memory', formatMiB(driverMemory));
  if (executorMemory !== undefined) conf.set('spark.executor.memory', formatMiB(executorMemory));
  if (executorCores !== undefined) conf.set('spark.executor.cores', String(executorCores));
  if (driverCores !== undefined) conf.set('spark.driver.cores', String(driverCores));
  if (numExecutors !== undefined) conf.set('spark.executor.instances', String(numExecutors));
  if (queue !== undefined) conf.set('spark.yarn.queue', queue.value);
  if (files.length > 0) conf.set(filesKey, files.join(','));
  if (archives.length > 0) conf.set(archivesKey, archives.join(','));

  // 4. Entry, main export and name (submit only).
  let entry: string | undefined;
  const mainExport = args.mainExport ?? 'default';
  if (action === 'submit') {
    entry = resolveEntry(args.entry, ctx.cwd);
    await checkExport(entry, mainExport, args.mainExport !== undefined, ctx);
    let name = args.name ?? props.get('spark.app.name');
    if (name === undefined && isYarn && env.SPARK_YARN_APP_NAME) name = env.SPARK_YARN_APP_NAME;
    name ??= args.mainExport ?? basename(entry).replace(/\.[^.]+$/, '');
    conf.set('spark.app.name', name);
  } else {
    conf.set('spark.app.name', args.name ?? props.get('spark.app.name') ?? `tspark ${action}`);
  }

  // Every known key parses (e.g. a bad spark.network.timeout from the file).
  conf.validateKnown(ALL_ENTRIES);

  const plan: SubmitPlan = {
    action,
    mode,
    master: effectiveMaster,
    deployMode,
    mainExport,
    appArgs: [...args.appArgs],
    conf,
    files,
    archives,
    verbose: args.verbose,
    warnings,
    user: env.HADOOP_USER_NAME || ctx.osUser,
  };
  if (entry !== undefined) plan.entry = entry;
  if (propertiesFile !== undefined) plan.propertiesFile = propertiesFile;
  if (action !== 'submit') plan.appId = validateAppId(args.kill ?? args.status ?? '', action);
  if (masterUrl.kind === 'local')
    plan.local = { threads: masterUrl.threads, maxFailures: masterUrl.maxFailures };
  if (masterUrl.kind === 'local-cluster') {
    plan.localCluster = {
      executors: masterUrl.executors,
      coresPerExecutor: masterUrl.coresPerExecutor,
      memoryMiB: masterUrl.memoryMiB,
    };
  }
  if (isYarn) {
    if (action !== 'submit' && args.appArgs.length > 0) {
      warnings.push(`ignoring arguments after --${action}: ${args.appArgs.join(' ')}`);
    }
    const dirs = hadoopConfDirs(env);
    const hadoopConf = loadHadoopConf(dirs, { env, system: { 'user.name': plan.user } });
    applySparkHadoopOverrides(hadoopConf, conf.entries());
    warnings.push(...hadoopConf.warnings);
    plan.hadoopConfDirs = dirs;
    plan.hadoopConf = hadoopConf;
  } else if (action !== 'submit') {
    throw new UsageError(
      'KILL_STATUS_NEEDS_YARN',
      `--${action} applies to YARN applications, but the master is '${effectiveMaster}': add --master yarn`,
    );
  }
  return plan;
}

function validateAppId(raw: string, action: string): string {
  const id = raw.trim();
  if (!/^application_\d+_\d+$/.test(id)) {
    throw new UsageError(
      'BAD_APP_ID',
      `--${action} '${raw}' is not a YARN application id: give one like application_1700000000000_0001`,
    );
  }
  return id;
}
