import { ExitCode, TsparkError } from '../errors.js';
import type { SparkConf } from '../conf/spark-conf.js';
import type { Logger } from '../log.js';
import { loadApplication } from '../app/load-application.js';
import { SparkContext, type SparkContextOptions } from '../core/context.js';

/**
 * Runs an application in this process (local masters): bundle and import the
 * entry, build the SparkContext from the plan's configuration, call
 * `main(sc, args)`, and stop the context whether main succeeded or not.
 * A failing application becomes a TsparkError with exit code APP_FAILED
 * whose message carries the job failure (stage, partition, the user's error).
 */
export interface ApplicationPlan {
  entry?: string;
  mainExport: string;
  appArgs: string[];
  /** Holds spark.master and spark.app.name. */
  conf: SparkConf;
  /** The entry is a bundle already (a YARN container's __app__.mjs): import it without bundling. */
  prebundled?: boolean;
  /** The scheduler backend for a non-local master (the ApplicationMaster's YARN executors). */
  backendFactory?: SparkContextOptions['backendFactory'];
  /**
   * Where executors import the bundle from, when not where this process
   * loaded it (YARN: `__app__.mjs` in each container's working directory).
   */
  executorModuleUrl?: string;
  /** yarn-client: the context, so the client can stop it when the application ends on YARN or on Ctrl-C. */
  onContext?: (sc: SparkContext) => void;
  /** Called when main has settled, before the context stops (undefined = it returned). */
  onMainSettled?: (failure: unknown) => void;
}

export async function runApplication(plan: ApplicationPlan, logger: Logger): Promise<void> {
  if (!plan.entry) throw new TsparkError('NO_ENTRY', 'No application file to run: pass the entry module to tspark-submit.', { exitCode: ExitCode.USAGE });
  // stack traces and call sites of the bundled application point into its own source files
  process.setSourceMapsEnabled(true);
  const app = await loadApplication(plan.entry, plan.mainExport, { prebundled: plan.prebundled === true });
  let failure: unknown;
  let sc: SparkContext | undefined;
  try {
    sc = new SparkContext({ conf: plan.conf, logger, ...(plan.backendFactory ? { backendFactory: plan.backendFactory } : {}) });
    sc.registerModule(plan.executorModuleUrl ?? app.bundle.moduleUrl, app.namespace);
    plan.onContext?.(sc);
    await app.main(sc, plan.appArgs);
    plan.onMainSettled?.(undefined);
  } catch (e) {
    failure = e;
    plan.onMainSettled?.(e);
  } finally {
    try {
      await sc?.stop();
    } finally {
      await app.bundle.dispose();
    }
  }
  if (failure === undefined) return;
  if (failure instanceof TsparkError && failure.exitCode !== ExitCode.INTERNAL) {
    // job failures (APP_FAILED), bad configuration, missing input: already say what to do
    throw failure;
  }
  const e = failure instanceof Error ? failure : new Error(String(failure));
  const err = new TsparkError('APP_FAILED', `Application ${plan.conf.get('spark.app.name') ?? plan.entry} failed: ${e.name}: ${e.message}`, {
    exitCode: ExitCode.APP_FAILED,
    cause: e,
    context: { entry: plan.entry },
  });
  if (e.stack) err.stack = `${err.name}: ${err.message}\nApplication stack trace:\n${e.stack}`;
  throw err;
}
