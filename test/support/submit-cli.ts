import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The built `tspark-submit` as a subprocess, as a user runs it: a clean
 * environment (PATH, HOME and what the test passes), stdout and stderr
 * captured. Needs `npm run build` (npm test does it first).
 */
export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const SUBMIT_BIN = path.join(REPO_ROOT, 'bin', 'tspark-submit.js');

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
  /** Wall time of the process, in milliseconds. */
  ms: number;
}

/** Runs tspark-submit; `onStderr` sees the whole stderr so far after each chunk. */
export function runSubmit(args: string[], env: Record<string, string>, onStderr?: (stderrSoFar: string) => void): Promise<CliRun> {
  const start = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [SUBMIT_BIN, ...args], {
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', TSPARK_LOG_LEVEL: 'info', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
      onStderr?.(stderr);
    });
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr, ms: Date.now() - start }));
  });
}

/** The application id from the client's `Submitted application …` line. */
export function submittedAppId(text: string): string | undefined {
  return /Submitted application (application_\d+_\d+)/.exec(text)?.[1];
}

/**
 * The flags the YARN tests share: cluster mode, small containers, one attempt,
 * the runtime in a directory of the test's own; `extra` comes last and wins.
 */
export function yarnClusterArgs(runtimeDir: string, extra: string[] = []): string[] {
  return [
    '--master', 'yarn',
    '--deploy-mode', 'cluster',
    '--driver-memory', '256m',
    '--executor-memory', '256m',
    '--conf', 'spark.yarn.maxAppAttempts=1',
    '--conf', `spark.tspark.yarn.runtimeDir=${runtimeDir}`,
    ...extra,
  ];
}
