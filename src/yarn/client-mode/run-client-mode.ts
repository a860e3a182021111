import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { writeApplicationBundle } from '../../app/bundle.js';
import { Config } from '../../conf/registry.js';
import type { SparkContext } from '../../core/context.js';
import { runApplication } from '../../deploy/run-application.js';
import type { SubmitPlan } from '../../deploy/submit-plan.js';
import { ExitCode, TsparkError } from '../../errors.js';
import {
  checkFinalReport,
  isTerminal,
  reportDetails,
  reportLine,
  type AppReportLike,
} from '../app-monitor.js';
import { ContainerLayout } from '../launch-context.js';
import { deleteStagingDir } from '../staging.js';
import { requestApplication, stageAndSubmit, type SubmitDeps, type Timeline } from '../submit.js';
import { clientModeDriverBackend } from './client-driver-backend.js';
import { ClientModeLauncher } from './client-mode-launcher.js';

/**
 * `tspark-submit --master yarn --deploy-mode client`: the driver runs here.
 *
 * 1. Ask the RM for an application id; check container sizes and queue.
 * 2. Bundle the application once: this process imports that file, and the
 *    same file is staged for the executors.
 * 3. Run the application as in local mode, but with a cluster scheduler
 *    backend whose endpoint listens on this machine. Once it listens, the
 *    launcher stages and submits an ApplicationMaster that only launches
 *    executors (Spark's ExecutorLauncher), with the endpoint's address as
 *    spark.driver.host/port in the staged configuration and the application
 *    secret in the launch context's credentials only.
 * 4. Meanwhile the RM's report is polled; the application ending on YARN
 *    (killed, AM failed) stops the driver.
 * 5. When main returns (or throws) the executors are stopped and the AM is
 *    told the final status; we wait for YARN to report the end, remove the
 *    staging directory, and exit 0, or non-zero with the error.
 *
 * Ctrl-C (SIGINT/SIGTERM, see interrupt()) kills the application through
 * the RM, stops the driver, removes the staging directory, exits 130.
 */

/** After the driver is done, how long YARN gets to report the application's end before we kill it. */
export const FINAL_STATE_WAIT_MS = 60_000;
/** The exit code after Ctrl-C: the shell's 128 + SIGINT, as spark-submit's. */
export const INTERRUPTED_EXIT_CODE = 130;

export interface ClientModeDeps extends SubmitDeps {
  /** This machine's host name (default spark.driver.host). */
  localHostName?: string;
  finalStateWaitMs?: number;
  registrationTimeoutMs?: number;
}

export interface ClientModeRun {
  /** Resolves with the exit code, or rejects with the error to print. */
  done: Promise<number>;
  /** Ctrl-C: kill the application and stop the driver (idempotent). */
  interrupt(signal: string): void;
  appId(): string | undefined;
}

export function startClientMode(plan: SubmitPlan, deps: ClientModeDeps): ClientModeRun {
  const state: { appId?: string; interrupt?: (signal: string) => void; pending?: string } = {};
  const done = runClientMode(plan, deps, (appId, interrupt) => {
    state.appId = appId;
    state.interrupt = interrupt;
    if (state.pending) interrupt(state.pending);
  });
  return {
    done,
    interrupt: (signal) => {
      if (state.interrupt) state.interrupt(signal);
      else state.pending ??= signal;
    },
    appId: () => state.appId,
  };
}

async function runClientMode(
  plan: SubmitPlan,
  deps: ClientModeDeps,
  ready: (appId: string, interrupt: (signal: string) => void) => void,
): Promise<number> {
  const { clients, logger, print } = deps;
  const conf = plan.conf;
  if (!plan.entry)
    throw new TsparkError('NO_ENTRY', 'no application entry file was given', { exitCode: ExitCode.USAGE });
  const timeline: Timeline = { start: deps.now() };
  const app = await requestApplication(plan, deps, timeline);
  const { appId, stagingDir } = app;
  const log = logger.child({ appId });

  let submitted = false;
  let interrupted: string | undefined;
  let killing: Promise<unknown> | undefined;
  let sc: SparkContext | undefined;
  let driverDone = false;
  /** The terminal report, once the monitor saw it. */
  let ended: AppReportLike | undefined;
  /** The application ended on YARN while the driver still ran. */
  let endedEarly = false;
  let monitorDeadline = Number.POSITIVE_INFINITY;
  let monitor: Promise<void> | undefined;

  const kill = (why: string): Promise<unknown> =>
    (killing ??= clients.rm.killApplication(appId, why).catch((e: unknown) => {
      log.warn({ err: (e as Error).message }, 'Could not kill the application through the ResourceManager');
    }));

  const secret = deps.secret ?? randomBytes(32);
  const work = await mkdtemp(path.join(os.tmpdir(), 'tspark-submit-'));
  const bundleFile = path.join(work, ContainerLayout.APP_BUNDLE);

  const pollReports = async (): Promise<void> => {
    let lastState: string | undefined;
    while (deps.now() < monitorDeadline) {
      let report: AppReportLike;
      try {
        report = await clients.rm.getApplication(appId);
      } catch (e) {
        log.warn({ err: (e as Error).message }, 'Could not read the application report; retrying');
        await deps.sleep(conf.require(Config.YARN_REPORT_INTERVAL));
        continue;
      }
      if (report.state !== lastState) {
        print(reportLine(report));
        for (const line of reportDetails(report)) print(line);
        lastState = report.state;
        timeline[report.state.toLowerCase()] = deps.now();
      }
      if (isTerminal(report)) {
        ended = report;
        // the AM ending because we told it to (the driver is still closing) is no early end
        if (!driverDone && !launcher.amToldToFinish) applicationEndedEarly(report);
        return;
      }
      await deps.sleep(conf.require(Config.YARN_REPORT_INTERVAL));
    }
  };

  const launcher = new ClientModeLauncher({
    logger: log.child({ component: 'ClientModeLauncher' }),
    submit: async (driver) => {
      if (interrupted) throw new Error(`interrupted by ${interrupted}`);
      const effective = conf
        .clone()
        .set('spark.app.id', appId)
        .set('spark.yarn.app.stagingDir', stagingDir)
        .set(Config.DRIVER_HOST.key, driver.host)
        .set(Config.DRIVER_PORT.key, String(driver.port));
      await stageAndSubmit({ plan, app, bundleFile, conf: effective, secret }, deps, timeline);
      submitted = true;
      print(`Submitted application ${appId}`);
      print(`Driver endpoint for the ApplicationMaster and executors: ${driver.host}:${driver.port}`);
      deps.onSubmitted?.(appId);
      monitor = pollReports();
      if (interrupted) void kill(`Killed: tspark-submit was interrupted (${interrupted})`);
    },
  });

  function applicationEndedEarly(report: AppReportLike): void {
    endedEarly = true;
    const diag = report.diagnostics?.trim() ? `: ${report.diagnostics.trim()}` : '';
    const description = `application ${appId} ended on YARN (${report.state}, final status ${report.finalStatus})${diag}`;
    if (!interrupted) log.error(`The ${description}; stopping the driver`);
    launcher.abandonFinish();
    launcher.applicationEnded(description);
    void sc?.stop();
  }

  ready(appId, (signal) => {
    if (interrupted) return;
    interrupted = signal;
    print(`Interrupted (${signal}): killing application ${appId} and stopping the driver`);
    // the RM kills the AM and the executors; the AM must not get a final status of ours first
    launcher.abandonFinish();
    if (submitted) void kill(`Killed: tspark-submit was interrupted (${signal})`);
    launcher.applicationEnded(`tspark-submit was interrupted (${signal})`);
    void sc?.stop();
  });

  let failure: unknown;
  try {
    await writeApplicationBundle(plan.entry, bundleFile, Object.keys(await import('../../index.js')));
    timeline.bundled = deps.now();
    await runApplication(
      {
        entry: bundleFile,
        prebundled: true,
        mainExport: plan.mainExport,
        appArgs: plan.appArgs,
        conf: conf.clone().set('spark.app.id', appId).set(Config.MASTER.key, 'yarn'),
        backendFactory: (_master, c) =>
          clientModeDriverBackend({
            conf: c,
            secret,
            launcher,
            localHostName: deps.localHostName ?? os.hostname(),
            logger: log,
            ...(deps.registrationTimeoutMs ? { registrationTimeoutMs: deps.registrationTimeoutMs } : {}),
          }),
        // executors import the bundle localized in their container
        executorModuleUrl: ContainerLayout.APP_BUNDLE,
        onContext: (c) => {
          sc = c;
          if (interrupted || endedEarly) void c.stop();
        },
        onMainSettled: (f) => {
          if (f !== undefined)
            launcher.recordFailure(`User application exited with an error: ${messageOf(f)}`);
        },
      },
      log,
    );
  } catch (e) {
    failure = e;
  }
  driverDone = true;

  try {
    if (submitted) {
      if (interrupted) await kill(`Killed: tspark-submit was interrupted (${interrupted})`);
      monitorDeadline = deps.now() + (deps.finalStateWaitMs ?? FINAL_STATE_WAIT_MS);
      await monitor;
      if (!ended) {
        print(
          `Application ${appId} did not end within ${deps.finalStateWaitMs ?? FINAL_STATE_WAIT_MS} ms of the driver; killing it`,
        );
        await kill('Killed: the ApplicationMaster did not finish after the driver ended');
        ended = await clients.rm.getApplication(appId).catch(() => undefined);
      }
    }
  } finally {
    if (!conf.require(Config.YARN_PRESERVE_STAGING) || !submitted) await deleteStagingDir(app.staging);
    await rm(work, { recursive: true, force: true });
  }

  if (interrupted) {
    print(
      `Application ${appId} ${ended ? `ended with state ${ended.state}` : 'was asked to end'} after ${interrupted} (exit code ${INTERRUPTED_EXIT_CODE}).`,
    );
    return INTERRUPTED_EXIT_CODE;
  }
  if (!submitted) {
    throw (
      launcher.submitError ??
      failure ??
      new TsparkError('NOT_SUBMITTED', `application ${appId} was never submitted to YARN`, {
        exitCode: ExitCode.INTERNAL,
      })
    );
  }
  const logsHint = `Logs: tspark logs ${appId}`;
  if (endedEarly && ended) {
    // YARN's account (killed elsewhere, the AM failed) says more than the driver's stopped jobs
    checkFinalReport(ended, logsHint);
  }
  if (failure !== undefined) {
    if (ended) print(`Application ${appId} finished with final status ${ended.finalStatus}.`);
    throw failure;
  }
  if (!ended) {
    throw new TsparkError(
      'APP_STATE_UNKNOWN',
      `the final state of application ${appId} could not be read from the ResourceManager`,
      {
        exitCode: ExitCode.REMOTE,
        context: { appId },
      },
    );
  }
  checkFinalReport(ended, logsHint);
  print(`Application ${appId} finished with final status SUCCEEDED.`);
  return ExitCode.OK;
}

function messageOf(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
