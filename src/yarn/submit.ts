import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Config } from '../conf/registry.js';
import type { SparkConf } from '../conf/spark-conf.js';
import type { SubmitPlan } from '../deploy/submit-plan.js';
import { ExitCode, TsparkError } from '../errors.js';
import type { Logger } from '../log.js';
import { clusterLogsDeps } from '../logs/cluster-deps.js';
import { fetchContainerLogTail } from '../logs/container-log-tail.js';
import type { HadoopConf } from '../conf/hadoop-conf.js';
import { ApplicationFailedError, checkFinalReport, isTerminal, monitorApplication, type AppReportLike } from './app-monitor.js';
import { writeApplicationBundle } from '../app/bundle.js';
import { requireHadoopConf, yarnClients, type YarnClients } from './cluster-clients.js';
import { buildConfArchive } from './conf-archive.js';
import { checkAgainstMaximum, containerSize, type ContainerSize } from './container-sizing.js';
import { amContainerSpec, ContainerLayout, nodeCommand, type LocalResource } from './launch-context.js';
import { encodeLocalResourcesEnv, LOCAL_RESOURCES_ENV } from './am/executor-resources.js';
import type { ApplicationSubmissionContext, ResourceInfo } from './rest/types.js';
import { leafQueues } from './rest/scheduler.js';
import { packRuntimeArchive } from './runtime-archive.js';
import {
  createStagingDir,
  deleteStagingDir,
  ensureRuntime,
  linkNameOf,
  stageItems,
  type StagedItem,
  type StagingContext,
} from './staging.js';

/**
 * `tspark-submit --master yarn`: the client half of a YARN application, as
 * Spark's yarn.Client does it, over REST — ask the RM for an id, check the
 * container sizes against the cluster, stage the files over WebHDFS, submit
 * the AM's launch context, and monitor the application to its end.
 */

/** Where the runtime archive is uploaded once and reused (ours; Spark has no equivalent key). */
export const RUNTIME_DIR_KEY = 'spark.tspark.yarn.runtimeDir';
/** The node binary containers run (default: `node` from the NodeManager's PATH). */
export const NODE_BINARY_KEY = 'spark.tspark.node';
export const DEFAULT_APPLICATION_TYPE = 'TSPARK';
const APP_MASTER_ENV_PREFIX = 'spark.yarn.appMasterEnv.';

/** The package root (where dist/ and package.json live), from this module's location. */
function packageRoot(): string {
  // dist/src/yarn/submit.js -> package root; also right for src/yarn/submit.ts under vitest.
  const here = path.dirname(fileURLToPath(import.meta.url));
  const up = here.includes(`${path.sep}dist${path.sep}`) ? '../../..' : '../..';
  return path.resolve(here, up);
}

export interface Timeline {
  [phase: string]: number;
}

/** Container sizes of the AM and the executors, checked later against the cluster maximum. */
export function planContainers(plan: Pick<SubmitPlan, 'conf' | 'deployMode'>): { am: ContainerSize; executor: ContainerSize } {
  const conf = plan.conf;
  const am =
    plan.deployMode === 'cluster'
      ? containerSize({
          role: 'driver (ApplicationMaster)',
          heapMiB: conf.require(Config.DRIVER_MEMORY),
          overheadMiB: conf.getEntry(Config.DRIVER_MEMORY_OVERHEAD),
          overheadFactor: conf.getEntry(Config.DRIVER_MEMORY_OVERHEAD_FACTOR),
          vCores: conf.require(Config.DRIVER_CORES),
          memoryKey: Config.DRIVER_MEMORY.key,
          overheadKey: Config.DRIVER_MEMORY_OVERHEAD.key,
        })
      : containerSize({
          role: 'ApplicationMaster',
          heapMiB: conf.require(Config.YARN_AM_MEMORY),
          overheadMiB: conf.getEntry(Config.YARN_AM_MEMORY_OVERHEAD),
          vCores: conf.require(Config.YARN_AM_CORES),
          memoryKey: Config.YARN_AM_MEMORY.key,
          overheadKey: Config.YARN_AM_MEMORY_OVERHEAD.key,
        });
  const executor = containerSize({
    role: 'executor',
    heapMiB: conf.require(Config.EXECUTOR_MEMORY),
    overheadMiB: conf.getEntry(Config.EXECUTOR_MEMORY_OVERHEAD),
    overheadFactor: conf.getEntry(Config.EXECUTOR_MEMORY_OVERHEAD_FACTOR),
    vCores: conf.require(Config.EXECUTOR_CORES),
    taskSlots: conf.require(Config.EXECUTOR_CORES),
    memoryKey: Config.EXECUTOR_MEMORY.key,
    overheadKey: Config.EXECUTOR_MEMORY_OVERHEAD.key,
  });
  return { am, executor };
}

function checkContainers(sizes: { am: ContainerSize; executor: ContainerSize }, maximum: ResourceInfo, deployMode: string): void {
  checkAgainstMaximum(sizes.am, maximum, {
    memoryKey: deployMode === 'cluster' ? Config.DRIVER_MEMORY.key : Config.YARN_AM_MEMORY.key,
    overheadKey: deployMode === 'cluster' ? Config.DRIVER_MEMORY_OVERHEAD.key : Config.YARN_AM_MEMORY_OVERHEAD.key,
    coresKey: deployMode === 'cluster' ? Config.DRIVER_CORES.key : Config.YARN_AM_CORES.key,
  });
  checkAgainstMaximum(sizes.executor, maximum, {
    memoryKey: Config.EXECUTOR_MEMORY.key,
    overheadKey: Config.EXECUTOR_MEMORY_OVERHEAD.key,
    coresKey: Config.EXECUTOR_CORES.key,
  });
}

/** What gets localized besides the runtime: the bundle, the conf archive, --files and --archives. */
function stagedItems(plan: SubmitPlan, bundle: { file: string; mapFile: string }, confArchive: string): StagedItem[] {
  const items: StagedItem[] = [
    { source: bundle.file, linkName: ContainerLayout.APP_BUNDLE, type: 'FILE' },
    { source: bundle.mapFile, linkName: ContainerLayout.APP_SOURCE_MAP, type: 'FILE' },
    { source: confArchive, linkName: ContainerLayout.CONF_DIR, type: 'ARCHIVE' },
  ];
  for (const f of plan.files) items.push({ ...linkNameOf(f), type: 'FILE' });
  for (const a of plan.archives) items.push({ ...linkNameOf(a), type: 'ARCHIVE' });
  return items;
}

function amEnvironment(conf: SparkConf, user: string, stagingUri: string): Record<string, string> {
  const env: Record<string, string> = { SPARK_USER: user, SPARK_YARN_STAGING_DIR: stagingUri };
  for (const [k, v] of conf.entries()) {
    if (k.startsWith(APP_MASTER_ENV_PREFIX)) env[k.slice(APP_MASTER_ENV_PREFIX.length)] = v;
  }
  return env;
}

/** The ApplicationMaster's arguments: the properties file, the export to run, then the application's own. */
export function amArguments(plan: Pick<SubmitPlan, 'deployMode' | 'mainExport' | 'appArgs'>): string[] {
  return [
    '--deploy-mode',
    plan.deployMode,
    '--properties-file',
    ContainerLayout.CONF_PROPERTIES,
    '--app',
    ContainerLayout.APP_BUNDLE,
    '--class',
    plan.mainExport,
    '--',
    ...plan.appArgs,
  ];
}

export interface SubmissionOutcome {
  appId: string;
  report: AppReportLike;
  timeline: Timeline;
  runtimeUploaded: boolean;
  uploaded: string[];
  localResources: Record<string, LocalResource>;
}

export interface SubmitDeps {
  clients: YarnClients;
  logger: Logger;
  print: (line: string) => void;
  sleep: (ms: number) => Promise<void>;
  now: () => number;
  /** The application secret (tests pass a fixed one). */
  secret?: Buffer;
  /** Where the runtime archive is packed and cached locally. */
  runtimeCacheDir?: string;
  /** Told the application id as soon as the RM accepted the submission. */
  onSubmitted?: (appId: string) => void;
}

/** An application id from the RM, with its containers checked and its staging directory named. */
export interface RequestedApplication {
  appId: string;
  sizes: { am: ContainerSize; executor: ContainerSize };
  stagingDir: string;
  staging: StagingContext;
}

/**
 * Asks the RM for an application id and checks the container sizes and the
 * queue against the cluster, before anything is uploaded.
 */
export async function requestApplication(
  plan: SubmitPlan,
  deps: Pick<SubmitDeps, 'clients' | 'logger' | 'now'>,
  timeline: Timeline,
): Promise<RequestedApplication> {
  const { clients, logger } = deps;
  const sizes = planContainers(plan);
  const newApp = await clients.rm.newApplication();
  const appId = newApp['application-id'];
  timeline.newApplication = deps.now();
  checkContainers(sizes, newApp['maximum-resource-capability'], plan.deployMode);
  // The RM accepts an unknown queue with 202 and fails the application later: check first.
  await checkQueue(clients, plan.conf.require(Config.YARN_QUEUE));
  logger.info({ appId, am: sizes.am.explanation, executor: sizes.executor.explanation }, 'Requesting a new application');
  const stagingDir = `${clients.stagingBase}/.sparkStaging/${appId}`;
  return { appId, sizes, stagingDir, staging: { hdfs: clients.hdfs, defaultFs: clients.defaultFs, stagingDir, logger } };
}

export interface StageAndSubmitInput {
  plan: SubmitPlan;
  app: RequestedApplication;
  /** The application bundle (its source map next to it, `.map`). */
  bundleFile: string;
  /** The configuration the AM and executors read (spark.app.id and the staging dir set). */
  conf: SparkConf;
  /** Travels only in the launch context's credentials. */
  secret: Buffer;
}

export interface StagedSubmission {
  runtimeUploaded: boolean;
  uploaded: string[];
  localResources: Record<string, LocalResource>;
}

/**
 * Stages the bundle, the configuration, --files/--archives and the runtime,
 * then submits the AM's launch context. On failure the caller removes the
 * staging directory (nothing was submitted).
 */
export async function stageAndSubmit(
  input: StageAndSubmitInput,
  deps: SubmitDeps,
  timeline: Timeline,
): Promise<StagedSubmission> {
  const { clients, logger } = deps;
  const { plan, app } = input;
  const conf = plan.conf;
  const staged = await (async () => {
    // secrets are filtered out of the staged properties (containerConfEntries)
    const confArchive = await buildConfArchive(input.conf, plan.hadoopConfDirs ?? []);
    try {
      timeline.bundled = deps.now();
      await createStagingDir(app.staging);
      const bundle = { file: input.bundleFile, mapFile: `${input.bundleFile}.map` };
      return await stageItems(app.staging, stagedItems(plan, bundle, confArchive.file));
    } finally {
      await rm(confArchive.dir, { recursive: true, force: true });
    }
  })();
  const runtime = await stageRuntime(app.staging, conf, clients, deps);
  staged.localResources[ContainerLayout.RUNTIME] = runtime.resource;
  timeline.staged = deps.now();

  const command = nodeCommand({
    nodeBinary: conf.get(NODE_BINARY_KEY) ?? 'node',
    heapMiB: app.sizes.am.heapMiB,
    script: ContainerLayout.AM_MAIN,
    args: amArguments(plan),
  });
  const context: ApplicationSubmissionContext = {
    'application-id': app.appId,
    'application-name': conf.get(Config.APP_NAME.key) ?? app.appId,
    queue: conf.require(Config.YARN_QUEUE),
    'am-container-spec': amContainerSpec({
      localResources: staged.localResources,
      environment: {
        ...amEnvironment(conf, clients.user, `${clients.defaultFs}${app.stagingDir}`),
        // The AM gives executors the same files (Spark passes them as spark.yarn.cache.*).
        [LOCAL_RESOURCES_ENV]: encodeLocalResourcesEnv(staged.localResources),
      },
      command,
      secret: input.secret,
    }),
    'unmanaged-AM': false,
    resource: { memory: app.sizes.am.memoryMiB, vCores: app.sizes.am.vCores },
    'application-type': conf.get(Config.YARN_APPLICATION_TYPE.key) ?? DEFAULT_APPLICATION_TYPE,
    'keep-containers-across-application-attempts': false,
  };
  const maxAttempts = conf.getEntry(Config.YARN_MAX_APP_ATTEMPTS);
  if (maxAttempts !== undefined) context['max-app-attempts'] = maxAttempts;
  const tags = (conf.get(Config.YARN_TAGS.key) ?? '').split(',').map((t) => t.trim()).filter(Boolean);
  if (tags.length > 0) context['application-tags'] = { tag: tags };

  logger.info({ appId: app.appId, queue: context.queue }, 'Submitting application to the ResourceManager');
  await clients.rm.submitApplication(context);
  timeline.submitted = deps.now();
  return { runtimeUploaded: runtime.uploaded, uploaded: staged.uploaded, localResources: staged.localResources };
}

/**
 * Submits a cluster-mode application and (unless waitAppCompletion=false)
 * monitors it to its end. The staging directory never outlives a failed
 * submission, and is removed when the application ends unless preserved.
 */
export async function submitApplication(plan: SubmitPlan, deps: SubmitDeps): Promise<SubmissionOutcome> {
  const { clients, print } = deps;
  const timeline: Timeline = { start: deps.now() };
  const conf = plan.conf;
  if (!plan.entry) throw new TsparkError('NO_ENTRY', 'no application entry file was given', { exitCode: ExitCode.USAGE });

  const app = await requestApplication(plan, deps, timeline);
  const { appId, stagingDir } = app;
  const ctx = app.staging;
  const work = await mkdtemp(path.join(os.tmpdir(), 'tspark-submit-'));
  let submitted = false;
  /** The last report the monitor saw, if it got that far. */
  let lastReport: AppReportLike | undefined;
  try {
    const bundleFile = path.join(work, ContainerLayout.APP_BUNDLE);
    await writeApplicationBundle(plan.entry, bundleFile, Object.keys(await import('../index.js')));
    const effective = conf.clone().set('spark.app.id', appId).set('spark.yarn.app.stagingDir', stagingDir);
    const staged = await stageAndSubmit(
      { plan, app, bundleFile, conf: effective, secret: deps.secret ?? randomBytes(32) },
      deps,
      timeline,
    );
    submitted = true;
    print(`Submitted application ${appId}`);
    deps.onSubmitted?.(appId);

    const waitForCompletion = conf.require(Config.YARN_WAIT_COMPLETION);
    const report = await monitorApplication({
      appId,
      getReport: (id) => clients.rm.getApplication(id),
      sleep: deps.sleep,
      intervalMs: conf.require(Config.YARN_REPORT_INTERVAL),
      print,
      returnWhen: waitForCompletion ? undefined : (r) => r.state === 'ACCEPTED' || r.state === 'RUNNING',
      onStateChange: (r) => {
        timeline[r.state.toLowerCase()] = deps.now();
      },
    });
    lastReport = report;
    return { appId, report, timeline, ...staged };
  } catch (e) {
    if (!submitted) await deleteStagingDir(ctx);
    throw e;
  } finally {
    if (submitted && !conf.require(Config.YARN_PRESERVE_STAGING)) {
      // Ask the RM only when the monitor did not end with a report (it failed midway).
      const done = lastReport
        ? isTerminal(lastReport)
        : await clients.rm.getApplication(appId).then(isTerminal, () => false);
      // The AM removes it too; the client does when it saw the end (Spark's cleanupStagingDir).
      if (done) await deleteStagingDir(ctx);
    }
    await rm(work, { recursive: true, force: true });
  }
}

export class UnknownQueueError extends TsparkError {
  constructor(queue: string, known: string[]) {
    super(
      'UNKNOWN_QUEUE',
      `queue '${queue}' does not exist in this cluster's scheduler: use --queue with one of ${known.join(', ')}`,
      { exitCode: ExitCode.USAGE, context: { queue } },
    );
  }
}

async function checkQueue(clients: YarnClients, queue: string): Promise<void> {
  const known = leafQueues(await clients.rm.scheduler());
  // Schedulers other than capacity/FIFO are not inspected: the RM decides.
  if (known === undefined) return;
  if (!known.some((q) => q.name === queue || q.path === queue)) throw new UnknownQueueError(queue, known.map((q) => q.name));
}

async function stageRuntime(ctx: StagingContext, conf: SparkConf, clients: YarnClients, deps: SubmitDeps) {
  const preset = conf.get(Config.YARN_ARCHIVE.key);
  if (preset) {
    // spark.yarn.archive: an archive the operator placed in HDFS; used as is.
    const p = /^hdfs:\/\/[^/]*(\/.*)$/.exec(preset)?.[1] ?? preset;
    const st = await clients.hdfs.getFileStatus(p);
    return {
      uploaded: false,
      resource: {
        resource: `${clients.defaultFs}${p}`,
        type: 'ARCHIVE' as const,
        visibility: 'PRIVATE' as const,
        size: st.length,
        timestamp: st.modificationTime,
      },
    };
  }
  const runtimeDir = conf.get(RUNTIME_DIR_KEY) ?? `${clients.stagingBase}/.tspark/runtime`;
  const cacheDir = deps.runtimeCacheDir ?? path.join(os.homedir(), '.cache', 'tspark', 'runtime');
  const archive = await packRuntimeArchive(packageRoot(), cacheDir);
  return ensureRuntime(ctx, archive, runtimeDir);
}

function logsHint(appId: string): string {
  return `Logs: tspark logs ${appId}`;
}

/** The CLI's handler for yarn-cluster and yarn-client. */
export async function submitToYarn(plan: SubmitPlan, logger: Logger): Promise<number> {
  const hadoopConf = requireHadoopConf(plan.hadoopConf);
  const clients = yarnClients(plan.conf, hadoopConf, plan.user, logger);
  const print = (line: string) => process.stderr.write(`${line}\n`);
  if (plan.deployMode === 'client') return runYarnClientMode(plan, hadoopConf, clients, logger, print);
  let currentApp: string | undefined;
  const onInterrupt = () => {
    // Non-interactive by default: the application keeps running (as with Spark's client).
    print(
      currentApp
        ? `Interrupted: application ${currentApp} keeps running on YARN. Stop it with: tspark-submit --kill ${currentApp}`
        : 'Interrupted before the application was submitted.',
    );
    process.exit(130);
  };
  process.once('SIGINT', onInterrupt);
  try {
    const outcome = await submitApplication(plan, {
      clients,
      logger,
      print,
      onSubmitted: (appId) => {
        currentApp = appId;
      },
      sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
      now: () => Date.now(),
    });
    logger.info({ appId: outcome.appId, timeline: relativeTimeline(outcome.timeline) }, 'Submission timeline (ms since start)');
    if (outcome.report.state === 'ACCEPTED' || outcome.report.state === 'RUNNING') {
      print(`Application ${outcome.appId} is ${outcome.report.state}; not waiting (spark.yarn.submit.waitAppCompletion=false).`);
      return 0;
    }
    try {
      checkFinalReport(outcome.report, logsHint(outcome.appId));
    } catch (e) {
      if (e instanceof ApplicationFailedError && outcome.report.state !== 'KILLED') {
        await printAmStderrTail(hadoopConf, clients, outcome.appId, print, logger);
      }
      throw e;
    }
    print(`Application ${outcome.appId} finished with final status SUCCEEDED.`);
    return 0;
  } finally {
    process.removeListener('SIGINT', onInterrupt);
  }
}

/**
 * yarn-client: the driver runs in this process (src/yarn/client-mode). The
 * first SIGINT/SIGTERM kills the application and stops the driver; another
 * one a second or more later exits at once.
 */
const FORCE_EXIT_AFTER_MS = 1_000;

async function runYarnClientMode(
  plan: SubmitPlan,
  hadoopConf: HadoopConf,
  clients: YarnClients,
  logger: Logger,
  print: (line: string) => void,
): Promise<number> {
  const { startClientMode, INTERRUPTED_EXIT_CODE } = await import('./client-mode/run-client-mode.js');
  const run = startClientMode(plan, {
    clients,
    logger,
    print,
    sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
    now: () => Date.now(),
  });
  let firstSignalAt: number | undefined;
  const onSignal = (signal: NodeJS.Signals) => {
    // Ctrl-C in a terminal reaches this process twice when it was relaunched with a driver heap
    // (from the terminal and forwarded by the parent): only a later signal forces the exit
    if (firstSignalAt === undefined) firstSignalAt = Date.now();
    else if (Date.now() - firstSignalAt >= FORCE_EXIT_AFTER_MS) {
      print(`Interrupted again (${signal}): exiting without waiting for the application to end.`);
      process.exit(INTERRUPTED_EXIT_CODE);
    }
    run.interrupt(signal);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    return await run.done;
  } catch (e) {
    const appId = run.appId();
    if (appId && e instanceof ApplicationFailedError && e.exitCode !== ExitCode.APP_KILLED) {
      await printAmStderrTail(hadoopConf, clients, appId, print, logger);
    }
    throw e;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

/** How much of the AM's stderr a failed submission shows, and how long it may take to fetch. */
const AM_STDERR_TAIL_BYTES = 4096;
const AM_STDERR_TAIL_TIMEOUT_MS = 10_000;

/**
 * Beyond Spark: a failed application's story is usually at the end of the
 * AM's stderr, so the client shows it instead of leaving the user to dig.
 * Best effort and bounded: a failure here never hides the application's own.
 */
async function printAmStderrTail(
  hadoopConf: HadoopConf,
  clients: YarnClients,
  appId: string,
  print: (line: string) => void,
  logger: Logger,
): Promise<void> {
  const fetchTail = async (): Promise<{ containerId: string; tail: Buffer } | undefined> => {
    const attempt = (await clients.rm.getApplicationAttempts(appId)).at(-1);
    if (!attempt?.containerId) return undefined;
    const tail = await fetchContainerLogTail(clusterLogsDeps({ hadoopConf, user: clients.user, logger }), {
      appId,
      containerId: attempt.containerId,
      owner: clients.user,
      fileName: 'stderr',
      bytes: AM_STDERR_TAIL_BYTES,
      nodeHttpAddress: attempt.nodeHttpAddress,
      nodeId: attempt.nodeId,
    });
    return tail && tail.length > 0 ? { containerId: attempt.containerId, tail } : undefined;
  };
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), AM_STDERR_TAIL_TIMEOUT_MS);
  });
  try {
    const found = await Promise.race([fetchTail(), timeout]);
    if (!found) return;
    print(`Last lines of the ApplicationMaster's stderr (${found.containerId}):`);
    for (const line of found.tail.toString('utf8').trimEnd().split('\n')) print(`  ${line}`);
  } catch (e) {
    logger.debug({ appId, err: (e as Error).message }, 'could not fetch the ApplicationMaster stderr');
  } finally {
    clearTimeout(timer);
  }
}

export function relativeTimeline(t: Timeline): Record<string, number> {
  const start = t.start ?? 0;
  return Object.fromEntries(Object.entries(t).map(([k, v]) => [k, v - start]));
}

