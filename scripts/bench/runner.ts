// Runs one program as a child process and times it from spawn to exit, the way a
// user experiences it (process start-up included).
import { spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';

export interface Command {
  command: string;
  args: string[];
  env?: Record<string, string>;
}

export interface TimedRun {
  wallSeconds: number;
  /** When the process was spawned, ms since the epoch (this machine's clock; the origin of phases read from logs). */
  startedAtMs: number;
  exitCode: number | null;
  signal: string | null;
  stdout: string;
  /** The end of stderr, for error messages (the whole of it is in the log file). */
  stderrTail: string;
}

const STDERR_TAIL_CHARS = 4000;

/** Spawns, waits, kills after `timeoutMs`; stdout is kept, stderr goes to `logFile`. */
export async function runTimed(
  cmd: Command,
  options: { cwd: string; logFile: string; timeoutMs: number },
): Promise<TimedRun> {
  const log = createWriteStream(options.logFile);
  log.write(`$ ${cmd.command} ${cmd.args.join(' ')}\n`);
  const startedAtMs = Date.now();
  const t0 = performance.now();
  const child = spawn(cmd.command, cmd.args, {
    cwd: options.cwd,
    env: { ...process.env, ...cmd.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderrTail = '';
  child.stdout.setEncoding('utf8').on('data', (s: string) => {
    stdout += s;
    log.write(s);
  });
  child.stderr.setEncoding('utf8').on('data', (s: string) => {
    stderrTail = (stderrTail + s).slice(-STDERR_TAIL_CHARS);
    log.write(s);
  });
  const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs);
  const [exitCode, signal] = (await once(child, 'close')) as [number | null, string | null];
  const wallSeconds = (performance.now() - t0) / 1000;
  clearTimeout(timer);
  log.end();
  await once(log, 'finish');
  return { wallSeconds, startedAtMs, exitCode, signal, stdout, stderrTail };
}
