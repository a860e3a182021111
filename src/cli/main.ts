import { Command, CommanderError } from 'commander';
import { formatSubmitArguments, formatSubmitPlan } from '../deploy/plan-format.js';
import { planSubmit } from '../deploy/planner.js';
import type { SubmitArguments, SubmitPlan } from '../deploy/submit-plan.js';
import { ExitCode, isTsparkError, UsageError } from '../errors.js';
import {
  HANDLERS,
  handlerForPlan,
  importHandler,
  requireHandler,
  type HandlerLoader,
  type HandlerRef,
} from './handlers.js';
import { driverHeapToApply } from './driver-heap.js';
import { listExamples, resolveExample } from './examples.js';
import type { CliIo } from './io.js';
import { addSubmitOptions, readSubmitArguments } from './submit-options.js';

/**
 * The two programs, `tspark-submit` and `tspark`, and the one place where an
 * error becomes `Error: <message>` on stderr and an exit code. Nothing below
 * this file prints an error or exits.
 */

export interface CliDeps {
  io: CliIo;
  /** Finds runners (injectable so tests need no engine or cluster). */
  loadHandler?: HandlerLoader;
}

/** Turns any error into a message on stderr and an exit code. The only catch for user-facing errors. */
export function reportError(e: unknown, io: CliIo): number {
  const debug = io.env.TSPARK_DEBUG === '1';
  if (e instanceof CommanderError) {
    // --help and --version end parsing "with an error" of exit code 0.
    if (e.exitCode === 0) return ExitCode.OK;
    return reportError(commanderToUsage(e), io);
  }
  if (isTsparkError(e)) {
    io.stderr(`Error: ${e.message}\n`);
    if (debug && e.stack) io.stderr(`${e.stack}\n`);
    return e.exitCode;
  }
  const message = e instanceof Error ? e.message : String(e);
  io.stderr(`Error: ${message}\n`);
  io.stderr(
    'This is a bug in tspark, not a mistake of yours: please report it with the command line you used ' +
      '(set TSPARK_DEBUG=1 for the stack trace).\n',
  );
  if (debug && e instanceof Error && e.stack) io.stderr(`${e.stack}\n`);
  return ExitCode.INTERNAL;
}

function commanderToUsage(e: CommanderError): UsageError {
  // Commander puts "(Did you mean --x?)" on a second line; keep the message on one.
  const text = e.message.replace(/^error:\s*/, '').replace(/\s*\n\s*/g, ' ');
  return new UsageError('BAD_FLAG', `${text}: run with --help to see the flags`, {
    context: { flag: e.code },
  });
}

function configure(cmd: Command, io: CliIo): Command {
  return cmd
    .exitOverride()
    .configureOutput({
      writeOut: (s) => io.stdout(s),
      writeErr: (s) => io.stderr(s),
      // Errors are printed once, by reportError, in our format.
      outputError: () => undefined,
    })
    .showSuggestionAfterError(true);
}

function versionText(io: CliIo): string {
  return `tspark ${io.packageVersion} (Node.js ${io.nodeVersion})`;
}

/** Plans and runs one submission (also --kill/--status). Returns the exit code. */
async function submit(args: SubmitArguments, deps: CliDeps, programName: string): Promise<number> {
  const { io } = deps;
  let plan: SubmitPlan;
  try {
    plan = await planSubmit(args, {
      env: io.env,
      cwd: io.cwd,
      cores: io.cores,
      osUser: io.osUser,
      ...(io.packageConfDir === undefined ? {} : { packageConfDir: io.packageConfDir }),
    });
  } catch (e) {
    if (args.verbose) io.stderr(formatSubmitArguments(args) + '\n');
    throw e;
  }
  // A driver in this process needs its heap limit set at process start: start again (the
  // second process prints the warnings and the verbose output).
  const heapMiB = driverHeapToApply(plan, io.env);
  if (heapMiB !== undefined && io.relaunchWithHeap) return io.relaunchWithHeap(heapMiB);
  if (args.verbose) io.stderr(formatSubmitArguments(args) + '\n');
  for (const w of plan.warnings) io.stderr(`Warning: ${w}\n`);
  if (plan.verbose) io.stderr(formatSubmitPlan(plan) + '\n');
  const handler = await requireHandler(deps.loadHandler ?? importHandler, handlerForPlan(plan));
  const logger = io.createLogger(programName);
  const code = await handler(plan, logger);
  return typeof code === 'number' ? code : ExitCode.OK;
}

/** Records the exit code of the action that ran (commander awaits the action's promise). */
type Done = (code: number) => void;

function submitCommand(cmd: Command, deps: CliDeps, programName: string, done: Done): Command {
  return addSubmitOptions(cmd).action(
    async (_entry: unknown, _appArgs: unknown, _opts: unknown, self: Command) => {
      done(await submit(readSubmitArguments(self), deps, programName));
    },
  );
}

/** `tspark-submit [options] <entry> [app arguments]`. */
export async function runTsparkSubmit(argv: string[], deps: CliDeps): Promise<number> {
  let exitCode: number = ExitCode.OK;
  const program = configure(new Command('tspark-submit'), deps.io)
    .description('Submit a tspark application: spark-submit for Node.js (docs/cli.md)')
    .version(versionText(deps.io), '--version', 'print the version and exit')
    .helpOption('-h, --help', 'show this help');
  submitCommand(program, deps, 'tspark-submit', (c) => (exitCode = c));
  try {
    if (argv.length === 0) {
      program.outputHelp();
      return ExitCode.USAGE;
    }
    await program.parseAsync(argv, { from: 'user' });
    return exitCode;
  } catch (e) {
    return reportError(e, deps.io);
  }
}

function appIdCommand(name: 'status' | 'kill', deps: CliDeps, done: Done): Command {
  const description = name === 'kill' ? 'kill a YARN application' : 'print the status of a YARN application';
  return configure(new Command(name), deps.io)
    .description(description)
    .argument('<appId>', 'the application id, e.g. application_1700000000000_0001')
    .option('--master <MASTER_URL>', 'the master (only yarn is meaningful)')
    .option(
      '-c, --conf <KEY=VALUE>',
      'set a configuration property; repeat for more',
      (v: string, p: string[]) => [...p, v],
      [],
    )
    .option('--properties-file <FILE>', 'read extra properties from FILE')
    .option('-v, --verbose', 'print the parsed arguments and the plan')
    .action(async (appId: string, opts: Record<string, unknown>) => {
      const args: SubmitArguments = {
        conf: (opts.conf as string[]) ?? [],
        verbose: opts.verbose === true,
        appArgs: [],
        [name]: appId,
      };
      if (typeof opts.master === 'string') args.master = opts.master;
      if (typeof opts.propertiesFile === 'string') args.propertiesFile = opts.propertiesFile;
      done(await submit(args, deps, `tspark ${name}`));
    });
}

function genericCommand(
  name: string,
  description: string,
  ref: HandlerRef,
  deps: CliDeps,
  done: Done,
): Command {
  return configure(new Command(name), deps.io)
    .description(description)
    .argument('[args...]')
    .allowUnknownOption(true)
    .passThroughOptions()
    .action(async (args: string[], opts: Record<string, unknown>) => {
      const handler = await requireHandler(deps.loadHandler ?? importHandler, ref);
      const { io } = deps;
      const code = await handler(
        { args, options: opts, io: { stdout: io.stdout, stderr: io.stderr, env: io.env, cwd: io.cwd } },
        io.createLogger(`tspark ${name}`),
      );
      done(typeof code === 'number' ? code : ExitCode.OK);
    });
}

/**
 * `tspark run-example [submit options] <Name> [args]`: tspark-submit with the
 * entry taken from the package's examples/ (SparkPi -> examples/spark-pi.ts).
 */
function runExampleCommand(deps: CliDeps, done: Done): Command {
  const cmd = configure(new Command('run-example'), deps.io).description(
    'run one of the bundled examples (e.g. WordCount, SparkPi) with tspark-submit flags',
  );
  return addSubmitOptions(cmd).action(async (_e: unknown, _a: unknown, _o: unknown, self: Command) => {
    const args = readSubmitArguments(self);
    if (args.entry === undefined) {
      const names = deps.io.examplesDir ? listExamples(deps.io.examplesDir) : [];
      throw new UsageError(
        'NO_EXAMPLE',
        `no example named: run tspark run-example <Name> [args]${names.length ? `, Name one of ${names.join(', ')}` : ''}`,
      );
    }
    args.entry = resolveExample(deps.io.examplesDir, args.entry);
    done(await submit(args, deps, 'tspark run-example'));
  });
}

/** `tspark <submit|status|kill|list|logs|run-example> ...`. */
export async function runTspark(argv: string[], deps: CliDeps): Promise<number> {
  let exitCode: number = ExitCode.OK;
  const done: Done = (c) => {
    exitCode = c;
  };
  const program = configure(new Command('tspark'), deps.io)
    .description('tspark: Spark on Node.js and YARN (docs/cli.md)')
    .version(versionText(deps.io), '--version', 'print the version and exit')
    .enablePositionalOptions();
  program.addCommand(
    submitCommand(configure(new Command('submit'), deps.io), deps, 'tspark submit', done).description(
      'submit an application (the same as tspark-submit)',
    ),
  );
  program.addCommand(appIdCommand('status', deps, done));
  program.addCommand(appIdCommand('kill', deps, done));
  program.addCommand(genericCommand('list', 'list YARN applications', HANDLERS.list, deps, done));
  program.addCommand(
    genericCommand('logs', 'print the aggregated logs of an application', HANDLERS.logs, deps, done),
  );
  program.addCommand(runExampleCommand(deps, done));
  try {
    if (argv.length === 0) {
      program.outputHelp();
      return ExitCode.USAGE;
    }
    await program.parseAsync(argv, { from: 'user' });
    return exitCode;
  } catch (e) {
    return reportError(e, deps.io);
  }
}
