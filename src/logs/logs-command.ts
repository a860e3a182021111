/**
 * `tspark logs`: the `yarn logs -applicationId` of tspark, without a JVM.
 *
 *   finished application -> wait (bounded) for log aggregation, find the
 *                           aggregated TFiles over WebHDFS, stream them out
 *                           (indexed format: through the log server's REST API)
 *   running application  -> list its containers (RM attempts + NodeManagers)
 *                           and print each file from the NodeManager's REST API
 *
 * Output is byte-identical to Hadoop 3.4's `yarn logs` for the same options.
 */
import { stat } from 'node:fs/promises';
import type { Writable } from 'node:stream';
import type { CommandRequest } from '../cli/handlers.js';
import { isTsparkError, UsageError } from '../errors.js';
import type { Logger } from '../log.js';
import { clusterLogsDepsFromEnv } from './cluster-deps.js';
import type { LogsAppReport, LogsAttemptReport, LogsDeps } from './deps.js';
import {
  ApplicationNotFoundError,
  LogServerError,
  LogsGoneError,
  LogsNotYetAvailableError,
  NoLogsFoundError,
} from './errors.js';
import {
  containerLines,
  listAggregatedContainers,
  nodeFilesFor,
  printAggregatedLogInfo,
  printAggregatedLogs,
  type AggregatedContext,
} from './aggregated/print-aggregated.js';
import {
  aggregationSettings,
  guessOwner,
  locateAggregatedLogs,
  type LocatedLogs,
} from './aggregated/locate.js';
import { describeFileSelection, LOGS_USAGE, parseLogsArgs, type LogsOptions } from './options.js';
import { localTimeZoneOffset } from './output/yarn-logs-format.js';
import { DirectorySink, StdoutSink, type OutputSink } from './output/sink.js';
import { followContainer } from './running/follow.js';
import { LogServerClient } from './logserver/log-server-client.js';
import {
  containersWithLogs,
  looksLikeStaleUuid,
  printLogServerLogInfo,
  printLogServerLogs,
  type LogServerContext,
} from './logserver/print-log-server.js';
import {
  listRunningContainers,
  printRunningLogInfo,
  printRunningLogs,
  type RunningContainer,
} from './running/running-logs.js';
import { ExitCode } from '../errors.js';

export interface LogsIo {
  stdout: Writable;
  stderr: Writable;
}

const FINISHED_STATES = new Set(['FINISHED', 'FAILED', 'KILLED']);
const NOT_STARTED_STATES = new Set(['NEW', 'NEW_SAVING', 'SUBMITTED']);
const AGGREGATION_PENDING = new Set(['NOT_START', 'RUNNING', 'RUNNING_WITH_FAILURE']);
const DEFAULT_AGGREGATION_WAIT_MS = 120_000;

/**
 * Runs `tspark logs <argv>`; prints `Error: ...` for a failure and returns the
 * exit code (0 = logs printed). For callers that print errors themselves
 * (the CLI's main), `executeLogsCommand` throws instead.
 */
export async function runLogsCommand(argv: string[], io: LogsIo, deps: LogsDeps): Promise<number> {
  try {
    return await executeLogsCommand(argv, io, deps);
  } catch (e) {
    if (!isTsparkError(e)) throw e;
    io.stderr.write(`Error: ${e.message}\n`);
    return e.exitCode;
  }
}

/** The CLI's handler for `tspark logs` (src/cli/handlers.ts). Bytes go to the process's stdout. */
export async function logsCommand(request: CommandRequest, logger: Logger): Promise<number> {
  const io = { stdout: process.stdout, stderr: process.stderr };
  // Usage mistakes and -help need no cluster configuration.
  if (parseLogsArgs(request.args).help) {
    io.stdout.write(LOGS_USAGE);
    return ExitCode.OK;
  }
  return executeLogsCommand(request.args, io, clusterLogsDepsFromEnv(request.io.env, logger));
}

export async function executeLogsCommand(argv: string[], io: LogsIo, deps: LogsDeps): Promise<number> {
  const options = parseLogsArgs(argv);
  if (options.help) {
    io.stdout.write(LOGS_USAGE);
    return ExitCode.OK;
  }
  if (options.outDir !== undefined) {
    const st = await stat(options.outDir).catch(() => undefined);
    if (st && !st.isDirectory())
      throw new UsageError(
        'LOGS_OUT_NOT_DIR',
        `-out ${options.outDir} is a file; give a directory (it is created if missing)`,
      );
  }
  if (
    options.nodeAddress !== undefined &&
    options.containerId === undefined &&
    !options.am &&
    !options.showApplicationLogInfo &&
    !options.showContainerLogInfo
  ) {
    throw new UsageError(
      'LOGS_NODE_WITHOUT_CONTAINER',
      '-nodeAddress needs -containerId (or -show_application_log_info / -show_container_log_info)',
    );
  }
  const sink: OutputSink =
    options.outDir !== undefined ? new DirectorySink(options.outDir, io.stdout) : new StdoutSink(io.stdout);
  const run = new LogsRun(options, io, deps, sink);
  try {
    const code = await run.execute();
    await sink.close();
    return code;
  } catch (e) {
    // `tspark logs ... | head`: the reader went away; that is not a failure.
    if ((e as NodeJS.ErrnoException)?.code === 'EPIPE') return ExitCode.OK;
    await sink.close().catch(() => undefined);
    throw e;
  }
}

class LogsRun {
  private readonly log: Logger | undefined;
  private readonly failures: Error[] = [];
  private rmUnreachable = false;

  constructor(
    private readonly options: LogsOptions,
    private readonly io: LogsIo,
    private readonly deps: LogsDeps,
    private readonly sink: OutputSink,
  ) {
    this.log = deps.logger?.child({ component: 'logs', appId: options.appId });
  }

  private warn(message: string): void {
    this.io.stderr.write(`${message}\n`);
  }

  async execute(): Promise<number> {
    const { appId } = this.options;
    let report: LogsAppReport | undefined;
    try {
      report = await this.deps.rm.getApplication(appId);
    } catch (e) {
      // Like LogsCLI: without the ResourceManager, aggregated logs are still on HDFS.
      const code = (e as { code?: unknown })?.code;
      if (code !== 'HADOOP_UNREACHABLE' && code !== 'HADOOP_NO_ACTIVE_SERVER') throw e;
      this.rmUnreachable = true;
      this.warn(
        `${(e as Error).message}\nReading the aggregated logs of ${appId} directly from the file system.`,
      );
    }
    this.log?.debug(
      { state: report?.state, logAggregationStatus: report?.logAggregationStatus },
      'application report',
    );
    if (report && NOT_STARTED_STATES.has(report.state))
      throw new LogsNotYetAvailableError(appId, report.state);
    const finished = !report || FINISHED_STATES.has(report.state);
    const code = finished ? await this.finishedApplication(report) : await this.runningApplication(report);
    for (const f of this.failures) this.warn(`Warning: ${f.message}`);
    return code === ExitCode.OK && this.failures.length > 0 ? ExitCode.REMOTE : code;
  }

  // ---------------------------------------------------------------- finished

  private async finishedApplication(report: LogsAppReport | undefined): Promise<number> {
    const { appId } = this.options;
    const settings = aggregationSettings(this.deps.hadoopConf);
    if (report) await this.awaitAggregation(report, settings.enabled);
    else if (!this.rmUnreachable) {
      this.warn(
        `Application ${appId} is unknown to the ResourceManager; looking for its aggregated logs directly.`,
      );
    }
    if (this.options.follow)
      this.warn(`Application ${appId} has finished: nothing to follow, printing its aggregated logs.`);

    const owner =
      this.options.appOwner ??
      report?.user ??
      (await guessOwner(this.deps.fs, settings, appId, this.deps.user));
    if (owner === undefined) {
      throw new ApplicationNotFoundError(
        appId,
        `no directory for it under ${settings.formats.map((f) => f.root).join(', ')}`,
      );
    }
    const located = await locateAggregatedLogs(this.deps.fs, settings, appId, owner, this.deps.user);
    if (!located || located.files.length === 0) {
      if (!report)
        throw new ApplicationNotFoundError(
          appId,
          `nothing under the aggregated-log directories of user ${owner}`,
        );
      if (!settings.enabled && report.logAggregationStatus === undefined) throw new LogsGoneError(appId);
      throw new NoLogsFoundError(
        `no aggregated logs of ${appId} (owner ${owner}) were found${located ? ` in ${located.appDirs.join(', ')}` : ''}; ` +
          'they may have expired (yarn.log-aggregation.retain-seconds) or belong to another user (-appOwner <user>)',
        { appId },
      );
    }
    this.log?.debug({ files: located.files.length, dirs: located.appDirs }, 'aggregated logs located');
    this.checkSizeLimit(located);
    if (located.format.kind === 'indexed') return this.fromLogServer(located, report);
    const ctx: AggregatedContext = {
      fs: this.deps.fs,
      files: located.files,
      timeZoneOffset: this.deps.timeZoneOffset ?? localTimeZoneOffset,
    };
    const o = this.options;

    if (o.showContainerLogInfo) {
      const n = await printAggregatedLogInfo(ctx, this.containerSelection(), this.sink);
      if (n === 0) throw this.noContainer();
      return ExitCode.OK;
    }
    if (o.listNodes) {
      await this.sink.main.write(`${located.files.map((f) => `${f.name}\n`).join('')}\n`);
      return ExitCode.OK;
    }
    if (o.showApplicationLogInfo) {
      const containers = await listAggregatedContainers(ctx, this.containerSelection());
      if (containers.length === 0) throw this.noContainer();
      await this.sink.main.write(`Application State: Completed.\n${containerLines(containers)}`);
      return ExitCode.OK;
    }
    if (o.am) {
      const attempts = await this.amAttempts(report);
      // Hadoop 3.4's LogsCLI prints this note ahead of the logs (its stream is flushed first).
      if (o.am === 'ALL')
        await this.sink.main.write('\nSpecified ALL for -am option. Printed logs for all am containers.\n');
      let printed = 0;
      for (const a of attempts) {
        const n = await printAggregatedLogs(
          ctx,
          { containerIds: new Set([a.containerId]), nodeAddress: a.nodeId, options: o },
          this.sink,
        );
        if (n === 0)
          this.warn(
            `No aggregated logs matching ${describeFileSelection(o)} for AM container ${a.containerId} of attempt ${a.id}.`,
          );
        printed += n;
      }
      if (printed === 0) throw this.noFiles();
      return ExitCode.OK;
    }
    const selection = this.containerSelection();
    const printed = await printAggregatedLogs(ctx, { ...selection, options: o }, this.sink);
    if (printed === 0) {
      if (o.containerId !== undefined) {
        const known = await listAggregatedContainers(ctx, selection);
        if (known.length === 0) throw this.noContainer();
      }
      throw this.noFiles();
    }
    return ExitCode.OK;
  }

  /**
   * The indexed format, through the log server (yarn.log.server.web-service.url):
   * locate() only lets it through when that is set. Containers come from the
   * server's history (all attempts), or -am / -containerId.
   */
  private async fromLogServer(located: LocatedLogs, report: LogsAppReport | undefined): Promise<number> {
    const url = aggregationSettings(this.deps.hadoopConf).logServerWebServiceUrl!;
    const o = this.options;
    const appId = o.appId;
    this.log?.debug({ url, format: located.format.name }, 'indexed format: reading through the log server');
    if (o.listNodes) {
      await this.sink.main.write(`${located.files.map((f) => `${f.name}\n`).join('')}\n`);
      return ExitCode.OK;
    }
    const ctx: LogServerContext = {
      client: new LogServerClient(this.deps.nodeManagers, url),
      nodeFiles: located.files.map((f) => f.name),
      options: o,
      sink: this.sink,
      warn: (m) => this.warn(m),
    };
    let ids: string[];
    const explicit = o.am !== undefined || o.containerId !== undefined;
    if (o.am) ids = (await this.amAttempts(report)).map((a) => a.containerId);
    else if (o.containerId !== undefined) ids = [o.containerId];
    else {
      const listed = await ctx.client.listContainers(appId);
      if (listed.found) ids = listed.value.map((c) => c.containerId);
      else if (report) {
        this.warn(
          `The log server does not list the containers of ${appId} (${listed.reason}); showing the AM containers only ` +
            '(give -containerId for others; the server learns them from the ResourceManager when yarn.system-metrics-publisher.enabled is true).',
        );
        ids = (await this.deps.rm.getApplicationAttempts(appId)).map((a) => a.containerId);
      } else {
        throw new NoLogsFoundError(
          `${appId} is in the indexed format, which tspark reads through the log server ${url}, but neither the server (${listed.reason}) nor the ResourceManager lists its containers; give -containerId <id>`,
          { appId },
        );
      }
    }
    const { containers, misses } = await containersWithLogs(ctx, ids, explicit);
    if (containers.length === 0) {
      if (misses.length > 0 && misses.every((m) => looksLikeStaleUuid(m.reason))) {
        throw new LogServerError(
          url,
          `it cannot read the indexed logs of ${appId} although they are on HDFS (${located.appDirs.join(', ')}): "${misses[0]!.reason}". ` +
            "Hadoop's indexed-format reader in a long-running log server reads only the first application it served (MAPREDUCE-7539, seen with Hadoop 3.4.3)",
          { context: { appId } },
          'restart the log server (it can then read one application), or use `yarn logs` from a Hadoop installation, which reads HDFS directly',
        );
      }
      throw this.noContainer();
    }
    if (!explicit && misses.length > 0) {
      // yarn logs prints nothing for them either; say so on stderr, stdout stays the same.
      this.warn(
        `The log server has no aggregated logs of ${misses.length} of the ${ids.length} containers (${misses
          .map((m) => m.containerId)
          .join(', ')}): ${misses[0]!.reason}`,
      );
    }
    if (o.showApplicationLogInfo) {
      const sorted = [...containers].sort((a, b) => a.containerId.localeCompare(b.containerId));
      await this.sink.main.write(
        `Application State: Completed.\n${containerLines(sorted.map((c) => ({ containerId: c.containerId, node: c.nodeId })))}`,
      );
      return ExitCode.OK;
    }
    if (o.showContainerLogInfo) {
      await printLogServerLogInfo(ctx, containers);
      return ExitCode.OK;
    }
    let printed = 0;
    if (o.am) {
      if (o.am === 'ALL')
        await this.sink.main.write('\nSpecified ALL for -am option. Printed logs for all am containers.\n');
      // One attempt after the other, as asked.
      for (const c of containers) printed += await printLogServerLogs(ctx, [c]);
    } else {
      printed = await printLogServerLogs(ctx, containers);
    }
    if (printed === 0) throw this.noFiles();
    return ExitCode.OK;
  }

  private containerSelection(): { containerIds?: ReadonlySet<string>; nodeAddress?: string } {
    const sel: { containerIds?: ReadonlySet<string>; nodeAddress?: string } = {};
    if (this.options.containerId !== undefined) sel.containerIds = new Set([this.options.containerId]);
    if (this.options.nodeAddress !== undefined) sel.nodeAddress = this.options.nodeAddress;
    return sel;
  }

  private noContainer(): NoLogsFoundError {
    const { appId, containerId, nodeAddress } = this.options;
    const what = containerId ? `container ${containerId}` : 'any container';
    const where = nodeAddress ? ` on node ${nodeAddress}` : '';
    return new NoLogsFoundError(
      `no logs of ${what}${where} in the aggregated logs of ${appId}; list its containers with: tspark logs ${appId} -show_application_log_info`,
      { appId },
    );
  }

  private noFiles(): NoLogsFoundError {
    const { appId } = this.options;
    return new NoLogsFoundError(
      `no log file matching ${describeFileSelection(this.options)} in ${this.options.containerId ?? appId}; list the files with: tspark logs ${appId} -show_container_log_info`,
      { appId },
    );
  }

  private checkSizeLimit(located: LocatedLogs): void {
    const limit = this.options.sizeLimitMb;
    if (limit < 0) return;
    const total = nodeFilesFor(located.files, this.options.nodeAddress).reduce((a, f) => a + f.length, 0);
    if (total > limit * 1024 * 1024) {
      throw new UsageError(
        'LOGS_SIZE_LIMIT',
        `the aggregated logs of ${this.options.appId} are ${(total / 1024 / 1024).toFixed(1)} MiB, over -size_limit_mb ${limit}; ` +
          'narrow them down (-containerId, -log_files, -size) or raise the limit (-size_limit_mb -1 = none)',
      );
    }
  }

  private async awaitAggregation(report: LogsAppReport, enabled: boolean): Promise<void> {
    let status = report.logAggregationStatus;
    if (status === 'DISABLED' || (status === undefined && !enabled)) throw new LogsGoneError(report.id);
    if (status === undefined || !AGGREGATION_PENDING.has(status)) {
      if (status === 'FAILED' || status === 'TIME_OUT') {
        this.warn(
          `Log aggregation of ${report.id} ended ${status}: the logs of some nodes may be missing or incomplete.`,
        );
      }
      return;
    }
    const limit = this.deps.aggregationWaitMs ?? DEFAULT_AGGREGATION_WAIT_MS;
    const poll = this.deps.pollIntervalMs ?? 1000;
    const start = this.deps.clock.now();
    this.warn(
      `Waiting for log aggregation of ${report.id} to finish (status ${status}, up to ${Math.round(limit / 1000)} s) ...`,
    );
    while (status !== undefined && AGGREGATION_PENDING.has(status)) {
      if (this.deps.clock.now() - start >= limit) {
        this.warn(
          `Log aggregation of ${report.id} is still ${status} after ${Math.round(limit / 1000)} s; showing what has been aggregated so far.`,
        );
        return;
      }
      await this.deps.clock.sleep(poll);
      status = (await this.deps.rm.getApplication(report.id))?.logAggregationStatus;
    }
    if (status === 'FAILED' || status === 'TIME_OUT') {
      this.warn(
        `Log aggregation of ${report.id} ended ${status}: the logs of some nodes may be missing or incomplete.`,
      );
    }
  }

  /** The attempts -am selects, in the order asked. */
  private async amAttempts(report: LogsAppReport | undefined): Promise<LogsAttemptReport[]> {
    const { appId, am } = this.options;
    if (!report) {
      throw new NoLogsFoundError(
        `-am needs the ResourceManager's attempt list, which it no longer has for ${appId} (restarted, or the application aged out); ` +
          `use -containerId with the AM container instead (container_<...>_<attempt>_000001)`,
        { appId },
      );
    }
    const attempts = await this.deps.rm.getApplicationAttempts(appId);
    if (attempts.length === 0)
      throw new NoLogsFoundError(`the ResourceManager lists no attempts for ${appId}`, { appId });
    if (am === 'ALL') return attempts;
    return (am ?? []).map((n) => {
      const a = n === -1 ? attempts[attempts.length - 1] : attempts[n - 1];
      if (!a) {
        throw new UsageError(
          'LOGS_NO_SUCH_ATTEMPT',
          `-am ${n}: ${appId} has ${attempts.length} attempt(s); use 1..${attempts.length} or -1`,
          {
            context: { appId },
          },
        );
      }
      return a;
    });
  }

  // ---------------------------------------------------------------- running

  private async runningApplication(report: LogsAppReport | undefined): Promise<number> {
    const o = this.options;
    const appId = o.appId;
    if (o.listNodes) {
      throw new UsageError(
        'LOGS_LIST_NODES_RUNNING',
        `-list_nodes works only for finished applications; ${appId} is ${report?.state ?? 'running'}`,
      );
    }
    let containers = await listRunningContainers(this.deps, appId, this.failures);
    if (o.am) {
      const attempts = await this.amAttempts(report);
      containers = attempts.map((a) => ({
        containerId: a.containerId,
        nodeId: a.nodeId,
        nodeHttpAddress: a.nodeHttpAddress.replace(/^https?:\/\//, ''),
      }));
    }
    if (o.containerId !== undefined) containers = containers.filter((c) => c.containerId === o.containerId);
    if (o.nodeAddress !== undefined)
      containers = containers.filter((c) => c.nodeId.toLowerCase() === o.nodeAddress!.toLowerCase());

    if (o.showApplicationLogInfo) {
      if (containers.length === 0) throw this.noContainer();
      await this.sink.main.write(
        `Application State: Running.\n${containerLines(containers.map((c) => ({ containerId: c.containerId, node: c.nodeId })))}`,
      );
      return ExitCode.OK;
    }
    if (containers.length === 0) {
      if (o.containerId !== undefined) return this.finishedContainerOfRunningApp(report);
      this.throwIfOnlyFailures();
      throw new NoLogsFoundError(
        `${appId} has no containers with logs right now; try again, or after it finishes`,
        { appId },
      );
    }
    if (o.showContainerLogInfo) {
      const n = await printRunningLogInfo(this.deps, containers, this.sink, this.failures);
      if (n === 0) this.throwIfOnlyFailures();
      return ExitCode.OK;
    }
    if (o.follow) return this.follow(containers);
    const result = await printRunningLogs(this.deps, containers, o, this.sink, this.failures);
    if (result.printed === 0) {
      this.throwIfOnlyFailures();
      if (result.reached > 0) throw this.noFiles();
      throw new NoLogsFoundError(
        `the NodeManagers hold no logs of ${o.containerId ?? appId} any more; try again after the application finishes`,
        { appId },
      );
    }
    return ExitCode.OK;
  }

  /** -containerId of a running application whose container the NodeManagers no longer hold: its logs may be aggregated already. */
  private async finishedContainerOfRunningApp(report: LogsAppReport | undefined): Promise<number> {
    const settings = aggregationSettings(this.deps.hadoopConf);
    const owner = this.options.appOwner ?? report?.user ?? this.deps.user;
    const located = await locateAggregatedLogs(
      this.deps.fs,
      settings,
      this.options.appId,
      owner,
      this.deps.user,
    );
    if (located && located.files.length > 0 && located.format.kind === 'indexed')
      return this.fromLogServer(located, report);
    if (located && located.files.length > 0) {
      const ctx: AggregatedContext = {
        fs: this.deps.fs,
        files: located.files,
        timeZoneOffset: this.deps.timeZoneOffset ?? localTimeZoneOffset,
      };
      const n = await printAggregatedLogs(
        ctx,
        { ...this.containerSelection(), options: this.options },
        this.sink,
      );
      if (n > 0) return ExitCode.OK;
    }
    this.throwIfOnlyFailures();
    throw new NoLogsFoundError(
      `container ${this.options.containerId} of the running application ${this.options.appId} is neither on a NodeManager nor aggregated yet; ` +
        'check the id (tspark logs <app> -show_application_log_info), or try again after the application finishes',
      { appId: this.options.appId },
    );
  }

  private throwIfOnlyFailures(): void {
    const first = this.failures[0];
    if (first) {
      this.failures.shift();
      throw first;
    }
  }

  private async follow(containers: RunningContainer[]): Promise<number> {
    const target =
      this.options.containerId !== undefined || containers.length === 1
        ? containers[0]
        : await this.latestAmContainer(containers);
    if (!target) throw this.noContainer();
    if (containers.length > 1 && this.options.containerId === undefined) {
      this.warn(
        `Following the AM container ${target.containerId} (give -containerId to follow another one).`,
      );
    }
    const out = await this.sink.forContainer(target.nodeId, target.containerId);
    const pollIntervalMs = this.deps.pollIntervalMs;
    await followContainer(
      { ...this.deps, ...(pollIntervalMs ? { pollIntervalMs } : {}) },
      target,
      this.options,
      out,
    );
    return ExitCode.OK;
  }

  private async latestAmContainer(containers: RunningContainer[]): Promise<RunningContainer | undefined> {
    const attempts = await this.deps.rm.getApplicationAttempts(this.options.appId);
    const last = attempts[attempts.length - 1];
    return containers.find((c) => c.containerId === last?.containerId) ?? containers[0];
  }
}
