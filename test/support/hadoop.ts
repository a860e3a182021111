// Coordinates of the real Hadoop test cluster for integration and e2e tests.
// The vitest global setup (test/integration/global-setup.ts) starts the cluster;
// `scripts/hadoop/start` writes <state dir>/cluster.json, which this module reads.
// Interface documented in test/README.md ("The Hadoop test cluster").
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
const CLUSTER_SCRIPT = path.join(REPO_ROOT, 'scripts', 'hadoop', 'cluster.mjs');

export interface NodeManagerInfo {
  /** `nm1`, `nm2`: the daemon's name in scripts/hadoop. */
  name: string;
  /** NodeId as the RM reports it, e.g. `localhost:45454`. */
  nodeId: string;
  /** `host:port` of the NM web server as the RM reports it. */
  httpAddress: string;
  /** NM REST base, on 127.0.0.1, e.g. `http://127.0.0.1:8042`. */
  webUrl: string;
  /** yarn.nodemanager.local-dirs and log-dirs of this NM (absolute paths). */
  localDir: string;
  logDir: string;
}

export interface HadoopCliResult {
  stdout: string;
  stderr: string;
  /** Exit code of the Hadoop CLI (null if killed by a signal or the timeout). */
  code: number | null;
}

export interface HadoopCliOptions {
  /** Extra environment, e.g. `{ HADOOP_USER_NAME: 'alice' }`. */
  env?: Record<string, string>;
  /** Kill the CLI after this long (default 120 s). */
  timeoutMs?: number;
}

export interface HadoopCluster {
  /** Hadoop version of the daemons, from scripts/hadoop/pom.xml. */
  version: string;
  /** State dir of the cluster (TSPARK_HADOOP_HOME, default <repo>/.hadoop). */
  home: string;
  /** Client conf dir (core-site, hdfs-site, yarn-site): use as HADOOP_CONF_DIR. */
  confDir: string;
  /** `hdfs://127.0.0.1:9000`. */
  defaultFS: string;
  /** `http://127.0.0.1:9870/webhdfs/v1` (append an absolute HDFS path). */
  webhdfsUrl: string;
  /** NameNode web UI / JMX base, `http://127.0.0.1:9870`. */
  nameNodeUrl: string;
  /** DataNode data-transfer address as block locations name it, `127.0.0.1:9866`. */
  dataNodeAddress: string;
  /** TSPARK_HADOOP_PORT_OFFSET the cluster was started with (0: the default ports). */
  portOffset: number;
  /** ResourceManager web/REST base, `http://127.0.0.1:8088`. */
  rmUrl: string;
  /** The user tests act as (`user.name`); owns /user/<user>. The OS user by default. */
  user: string;
  /** The HDFS superuser (the OS user running the daemons). */
  superuser: string;
  /** Shared HDFS dir for the tspark runtime archive, mode 1777: `/tspark/runtime`. */
  runtimeDir: string;
  /** HDFS root of aggregated logs (yarn.nodemanager.remote-app-log-dir). */
  remoteAppLogDir: string;
  /** dfs.blocksize of the cluster, in bytes. */
  blockSize: number;
  /** Directory of the daemons' own logs (<daemon>.log, <daemon>.out). */
  logDir: string;
  /**
   * File holding the resolved Hadoop classpath: absolute jar paths joined by
   * `:` (the daemons' jars, also enough to compile/run a Java client or AM).
   */
  classpathFile: string;
  nodeManagers: NodeManagerInfo[];
  /** Environment for a client subprocess (tspark-submit etc.): HADOOP_CONF_DIR. */
  env: { HADOOP_CONF_DIR: string };
  /**
   * Runs Hadoop's own CLI from the cluster's jars: args[0] is `yarn` or `hdfs`,
   * e.g. `hadoopCli(['yarn', 'logs', '-applicationId', id])`. Never rejects on
   * a non-zero exit; check `code`.
   */
  hadoopCli(args: string[], options?: HadoopCliOptions): Promise<HadoopCliResult>;
}

type Coordinates = Omit<HadoopCluster, 'env' | 'hadoopCli'>;

/** The state dir the scripts use, resolved the same way as scripts/hadoop/lib/layout.mjs. */
export function hadoopHome(env: NodeJS.ProcessEnv = process.env): string {
  return path.resolve(env.TSPARK_HADOOP_HOME || path.join(REPO_ROOT, '.hadoop'));
}

function runHadoopCli(
  home: string,
  args: string[],
  options: HadoopCliOptions = {},
): Promise<HadoopCliResult> {
  const [tool, ...rest] = args;
  if (tool !== 'yarn' && tool !== 'hdfs') {
    return Promise.reject(new Error(`hadoopCli: args[0] must be 'yarn' or 'hdfs', got ${String(tool)}`));
  }
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLUSTER_SCRIPT, tool, ...rest], {
      env: { ...process.env, TSPARK_HADOOP_HOME: home, ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 120_000);
    child.once('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
        code,
      });
    });
  });
}

/**
 * The running test cluster. Throws with the fix when it was not started
 * (the integration project's global setup starts it; by hand: scripts/hadoop/start).
 */
export function hadoopCluster(env: NodeJS.ProcessEnv = process.env): HadoopCluster {
  const home = hadoopHome(env);
  const file = path.join(home, 'cluster.json');
  if (!existsSync(file)) {
    throw new Error(
      `The Hadoop test cluster is not running (no ${file}). Start it with scripts/hadoop/start, ` +
        'or run the test through the vitest integration project, whose global setup starts it.',
    );
  }
  const coords = JSON.parse(readFileSync(file, 'utf8')) as Coordinates & { pids?: unknown };
  delete coords.pids;
  return {
    ...coords,
    env: { HADOOP_CONF_DIR: coords.confDir },
    hadoopCli: (args, options) => runHadoopCli(home, args, options),
  };
}
