import { fileURLToPath } from 'node:url';
import { UsageError } from '../errors.js';
import type { SubmitPlan } from '../deploy/submit-plan.js';
import type { Logger } from '../log.js';
import type { CliIo } from './io.js';

/**
 * The CLI's dispatch table. Each runner lives in the module of the team that
 * owns it and is found at run time, so the CLI builds and ships before every
 * runner exists; a runner that is not there yet is reported as "not
 * available yet in this build" (exit code 2), never faked.
 *
 * Contract (docs/cli.md, "Dispatch"): a plan handler is
 *   (plan: SubmitPlan, logger: Logger) => Promise<number | void>
 * and a command handler is
 *   (request: CommandRequest, logger: Logger) => Promise<number | void>
 * The number is the process exit code (void = 0). Handlers report failures
 * by throwing TsparkError subclasses; the CLI's main prints them.
 */

export type PlanHandler = (plan: SubmitPlan, logger: Logger) => Promise<number | void>;

/** What `tspark list|logs|run-example` hand to their handler. */
export interface CommandRequest {
  /** Positional arguments after the subcommand. */
  args: string[];
  /** Parsed options of the subcommand. */
  options: Record<string, unknown>;
  /** Where to write the command's output (stdout/stderr) and the process environment. */
  io: Pick<CliIo, 'stdout' | 'stderr' | 'env' | 'cwd'>;
}

export type CommandHandler = (request: CommandRequest, logger: Logger) => Promise<number | void>;

export interface HandlerRef {
  /** Module path relative to this file (src/cli/ or dist/src/cli/). */
  readonly module: string;
  readonly exportName: string;
  /** What the user asked for, for the "not available" message. */
  readonly what: string;
}

export const HANDLERS = {
  /** local and local-cluster masters: the engine runs the application in this process. */
  local: { module: '../deploy/run-application.js', exportName: 'runApplication', what: 'local execution' },
  /** yarn-cluster and yarn-client: stage, submit and monitor. */
  yarnSubmit: { module: '../yarn/submit.js', exportName: 'submitToYarn', what: 'YARN submission' },
  /** --kill / tspark kill. */
  yarnKill: {
    module: '../yarn/kill.js',
    exportName: 'killYarnApplication',
    what: 'killing YARN applications',
  },
  /** --status / tspark status. */
  yarnStatus: {
    module: '../yarn/status.js',
    exportName: 'yarnApplicationStatus',
    what: 'YARN application status',
  },
  /** tspark list. */
  list: { module: '../yarn/list.js', exportName: 'listYarnApplications', what: "'tspark list'" },
  /** tspark logs. */
  logs: { module: '../logs/logs-command.js', exportName: 'logsCommand', what: "'tspark logs'" },
} as const satisfies Record<string, HandlerRef>;

export type HandlerName = keyof typeof HANDLERS;

/** Finds a handler function, or undefined when its module or export does not exist. */
export type HandlerLoader = (
  ref: HandlerRef,
) => Promise<((...args: any[]) => Promise<number | void>) | undefined>;

/** The real loader: a dynamic import relative to this module. */
export const importHandler: HandlerLoader = async (ref) => {
  const url = new URL(ref.module, import.meta.url);
  let mod: Record<string, unknown>;
  try {
    mod = (await import(url.href)) as Record<string, unknown>;
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    // Only the handler module itself being absent means "not in this build";
    // a handler that fails to load for another reason is a bug and propagates.
    if (err.code === 'ERR_MODULE_NOT_FOUND' && String(err.message).includes(fileURLToPath(url)))
      return undefined;
    throw e;
  }
  const fn = mod[ref.exportName];
  return typeof fn === 'function' ? (fn as (...args: any[]) => Promise<number | void>) : undefined;
};

export function notAvailable(ref: HandlerRef): UsageError {
  return new UsageError(
    'NOT_AVAILABLE',
    `${ref.what} is not available yet in this build of tspark (${ref.module.replace(/^\.\.\//, 'src/')} ` +
      `does not provide ${ref.exportName}): nothing was run; use a build that includes it`,
    { context: { module: ref.module } },
  );
}

/** Loads a handler or throws the "not available yet" UsageError (exit code 2). */
export async function requireHandler(
  loader: HandlerLoader,
  ref: HandlerRef,
): Promise<(...args: any[]) => Promise<number | void>> {
  const fn = await loader(ref);
  if (!fn) throw notAvailable(ref);
  return fn;
}

/** Which handler runs a plan. */
export function handlerForPlan(plan: SubmitPlan): HandlerRef {
  if (plan.action === 'kill') return HANDLERS.yarnKill;
  if (plan.action === 'status') return HANDLERS.yarnStatus;
  return plan.mode === 'local' || plan.mode === 'local-cluster' ? HANDLERS.local : HANDLERS.yarnSubmit;
}
