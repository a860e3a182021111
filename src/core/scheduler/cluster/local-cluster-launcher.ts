import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { formatProperties } from '../../../conf/properties.js';
import { ConfigError } from '../../../errors.js';
import type { Logger } from '../../../log.js';
import { SECRET_ENV } from '../../../executor/executor-secret.js';
import type { ExecutorLauncher } from './cluster-backend.js';

/**
 * `local-cluster[N,C,M]`: N executor processes on this machine, each
 * `node --max-old-space-size=M <package>/dist/src/executor/main.js` with C
 * cores. The secret reaches them in the environment (SECRET_ENV), never on
 * the command line; their local directories live under the application's
 * directory (LOCAL_DIRS), which the driver deletes at stop.
 */

/** Lost executors replaced per application at most (Spark's standalone spark.deploy.maxExecutorRetries). */
export const DEFAULT_MAX_REPLACEMENTS = 10;
/** Lines of an executor's output kept to explain why it died. */
const OUTPUT_TAIL_LINES = 20;

export interface LocalClusterLauncherOptions {
  executors: number;
  coresPerExecutor: number;
  memoryMiB: number;
  /** The application's local directory. */
  localDir: string;
  appId: string;
  /** Written to a properties file every executor reads (heartbeat interval, timeouts); no secret. */
  executorConf: Record<string, string>;
  /** The host executors say they are on. */
  executorHost: string;
  logger: Logger;
  /** The executor entry; default: the package's compiled dist/src/executor/main.js. */
  executorMain?: string;
  env?: NodeJS.ProcessEnv;
  maxReplacements?: number;
}

interface SpawnContext {
  main: string;
  propertiesFile: string;
  env: NodeJS.ProcessEnv;
  driver: { host: string; port: number };
  onExit: (executorId: string, reason: string) => void;
}

interface ExecutorProcess {
  id: string;
  child: ChildProcess;
  exited: Promise<void>;
  output: string[];
}

export class LocalClusterLauncher implements ExecutorLauncher {
  private readonly processes: ExecutorProcess[] = [];
  private spawnContext: SpawnContext | undefined;
  private lastId = 0;
  private replacements = 0;
  private stopping = false;

  constructor(private readonly options: LocalClusterLauncherOptions) {}

  /** Process ids by executor id, for diagnostics and tests. */
  pids(): Map<string, number> {
    return new Map(this.processes.map((p) => [p.id, p.child.pid ?? -1]));
  }

  async launch(
    driver: { host: string; port: number },
    secret: Buffer,
    onExit: (executorId: string, reason: string) => void,
  ): Promise<void> {
    const o = this.options;
    const main = o.executorMain ?? compiledExecutorMain();
    const propertiesFile = join(o.localDir, 'executor.properties');
    await writeFile(
      propertiesFile,
      formatProperties(Object.entries(o.executorConf), 'local-cluster executor configuration'),
      { mode: 0o600 },
    );
    const env: NodeJS.ProcessEnv = {
      ...(o.env ?? process.env),
      [SECRET_ENV]: secret.toString('base64'),
      LOCAL_DIRS: o.localDir,
    };
    // the secret comes from SECRET_ENV here, not from a YARN container's token file
    delete env.HADOOP_TOKEN_FILE_LOCATION;
    this.spawnContext = { main, propertiesFile, env, driver, onExit };
    for (let i = 0; i < o.executors; i++) this.startExecutor();
  }

  /**
   * Starts a new executor (with a new id) in place of a lost one, as a
   * standalone worker would, at most `maxReplacements` times per application
   * so that executors failing at startup do not loop.
   */
  replace(lostExecutorId: string): void {
    if (!this.spawnContext || this.stopping) return;
    const max = this.options.maxReplacements ?? DEFAULT_MAX_REPLACEMENTS;
    if (this.replacements >= max) {
      this.options.logger.warn(
        { executorId: lostExecutorId },
        `not replacing executor ${lostExecutorId}: ${max} executors were already replaced in this application`,
      );
      return;
    }
    this.replacements++;
    const id = this.startExecutor();
    this.options.logger.info(
      { executorId: id },
      `Started executor ${id} to replace lost executor ${lostExecutorId}`,
    );
  }

  private startExecutor(): string {
    const o = this.options;
    const { main, propertiesFile, env, driver, onExit } = this.spawnContext!;
    const id = String(++this.lastId);
    const args = [
      `--max-old-space-size=${o.memoryMiB}`,
      '--enable-source-maps',
      main,
      '--executor-id',
      id,
      '--cores',
      String(o.coresPerExecutor),
      '--driver-url',
      `${driver.host.includes(':') ? `[${driver.host}]` : driver.host}:${driver.port}`,
      '--hostname',
      o.executorHost,
      '--app-id',
      o.appId,
      '--properties-file',
      propertiesFile,
    ];
    const child = spawn(process.execPath, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    const p: ExecutorProcess = { id, child, output: [], exited: Promise.resolve() };
    const log = o.logger.child({ executorId: id });
    const keep = (chunk: Buffer): void => {
      for (const line of chunk.toString('utf8').split('\n')) {
        if (!line.trim()) continue;
        p.output.push(line);
        if (p.output.length > OUTPUT_TAIL_LINES) p.output.shift();
        log.debug({ line }, 'executor output');
      }
    };
    child.stdout!.on('data', keep);
    child.stderr!.on('data', keep);
    p.exited = new Promise<void>((resolve) => {
      child.once('error', (e) => {
        onExit(id, `could not start: ${e.message}`);
        resolve();
      });
      child.once('exit', (code, signal) => {
        const how = signal ? `was killed by ${signal}` : `exited with code ${code}`;
        const tail = code === 0 ? '' : p.output.length ? `; its last output:\n${p.output.join('\n')}` : '';
        onExit(id, `${how}${tail}`);
        resolve();
      });
    });
    this.processes.push(p);
    log.info(
      { pid: child.pid },
      `Started executor ${id} (pid ${child.pid}, ${o.coresPerExecutor} cores, ${o.memoryMiB} MiB heap)`,
    );
    return id;
  }

  async stop(timeoutMs: number): Promise<void> {
    this.stopping = true;
    await Promise.all(
      this.processes.map(async (p) => {
        if (p.child.exitCode !== null || p.child.signalCode !== null) return;
        let timer: NodeJS.Timeout | undefined;
        const timedOut = new Promise<boolean>(
          (resolve) => (timer = setTimeout(() => resolve(true), timeoutMs)),
        );
        const late = await Promise.race([p.exited.then(() => false), timedOut]);
        clearTimeout(timer);
        if (late) {
          this.options.logger.warn(
            { executorId: p.id },
            `executor ${p.id} did not exit within ${timeoutMs} ms; killing it`,
          );
          p.child.kill('SIGKILL');
          await p.exited;
        }
      }),
    );
  }
}

/** The package's compiled executor entry, next to this module's compiled form. */
export function compiledExecutorMain(from: string = fileURLToPath(import.meta.url)): string {
  let dir = dirname(from);
  while (!existsSync(join(dir, 'package.json'))) {
    const up = dirname(dir);
    if (up === dir) break;
    dir = up;
  }
  const main = join(dir, 'dist', 'src', 'executor', 'main.js');
  if (!existsSync(main)) {
    throw new ConfigError(
      'EXECUTOR_NOT_BUILT',
      `local-cluster needs the compiled executor at ${main}, which does not exist: run \`npm run build\` in the tspark package`,
    );
  }
  return main;
}
