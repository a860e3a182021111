/* global process */
// Where everything of the test cluster lives: the state directory (conf, data,
// logs, pids), the jar cache, the fixed loopback ports, and the five daemons.
// Every other module takes a Layout from here instead of reading the
// environment itself.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const SCRIPT_DIR = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
export const REPO_ROOT = path.resolve(SCRIPT_DIR, '..', '..');
export const POM_PATH = path.join(SCRIPT_DIR, 'pom.xml');

export const HOST = '127.0.0.1';

// Fixed ports (Hadoop's own defaults where one exists) so that site files,
// UIs and NodeIds stay the same across restarts. TSPARK_HADOOP_PORT_OFFSET
// shifts all of them, so a second cluster (another state dir) can run beside.
const BASE_PORTS = Object.freeze({
  nnRpc: 9000,
  nnHttp: 9870,
  dnData: 9866,
  dnHttp: 9864,
  dnIpc: 9867,
  rmRpc: 8032,
  rmScheduler: 8030,
  rmTracker: 8031,
  rmAdmin: 8033,
  rmHttp: 8088,
  // Only used when the cluster runs an ApplicationHistoryServer (start --history-server).
  ahsRpc: 10200,
  ahsHttp: 8188,
});

// Two NodeManagers; each needs its own RPC, localizer and web port.
const BASE_NODE_MANAGERS = Object.freeze([
  Object.freeze({ name: 'nm1', rpc: 45454, localizer: 8040, http: 8042 }),
  Object.freeze({ name: 'nm2', rpc: 45455, localizer: 8140, http: 8142 }),
]);

// Memory offered to containers by each NodeManager, and the scheduler's limits.
// An AM plus four 512 MiB executors (+384 MiB overhead each) fit with room to spare.
export const NM_MEMORY_MB = 6144;
export const NM_VCORES = 4;
export const MIN_ALLOCATION_MB = 256;

// Heaps of the daemon JVMs: modest, the cluster holds little state.
const HEAP = Object.freeze({
  namenode: '512m',
  datanode: '384m',
  resourcemanager: '640m',
  nodemanager: '384m',
  historyserver: '384m',
});

/**
 * Optional extras of one state dir, chosen with `start --conf key=value
 * --history-server` and kept in <state>/extras.json so that later starts,
 * `env` and the CLIs of that state dir see the same configuration. No file
 * (the default) = the standard cluster.
 */
export function readExtras(file) {
  if (!existsSync(file)) return { yarnSite: {}, historyServer: false };
  const raw = JSON.parse(readFileSync(file, 'utf8'));
  return { yarnSite: { ...(raw.yarnSite ?? {}) }, historyServer: raw.historyServer === true };
}

/** HDFS directories created on every start (idempotent), with owner and mode. */
export function hdfsDirectories(user) {
  return [
    { path: '/tmp', mode: '1777' },
    { path: '/tmp/logs', mode: '1777' }, // yarn.nodemanager.remote-app-log-dir
    { path: '/user', mode: '755' },
    { path: `/user/${user}`, mode: '755', owner: user },
    // Shared, per-version home of the tspark runtime archive (like spark.yarn.archive):
    // world-traversable so PUBLIC local resources under it localize, sticky so users
    // cannot delete each other's files.
    { path: '/tspark', mode: '755' },
    { path: '/tspark/runtime', mode: '1777' },
  ];
}

export const RUNTIME_DIR = '/tspark/runtime';

export function readHadoopVersion(pomPath = POM_PATH) {
  const pom = readFileSync(pomPath, 'utf8');
  const m = /<hadoop\.version>([^<]+)<\/hadoop\.version>/.exec(pom);
  if (!m) throw new Error(`no <hadoop.version> in ${pomPath}`);
  return m[1].trim();
}

export function pomDigest(pomPath = POM_PATH) {
  return createHash('sha256').update(readFileSync(pomPath)).digest('hex');
}

/**
 * Resolves every path of the cluster from the environment given (only entry
 * points pass process.env).
 *   TSPARK_HADOOP_HOME   state directory (default: <repo>/.hadoop)
 *   TSPARK_HADOOP_CACHE  resolved-classpath cache (default: ~/.cache/tspark/hadoop-<version>)
 */
export function resolveLayout(env = process.env) {
  const version = readHadoopVersion();
  const home = path.resolve(env.TSPARK_HADOOP_HOME || path.join(REPO_ROOT, '.hadoop'));
  const cacheRoot = env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache');
  const cacheDir = path.resolve(
    env.TSPARK_HADOOP_CACHE || path.join(cacheRoot, 'tspark', `hadoop-${version}`),
  );
  const user = env.TSPARK_HADOOP_USER || os.userInfo().username;
  const portOffset = Number(env.TSPARK_HADOOP_PORT_OFFSET || 0);
  if (!Number.isInteger(portOffset) || portOffset < 0 || portOffset > 10000) {
    throw new Error(
      `TSPARK_HADOOP_PORT_OFFSET must be an integer in 0..10000, got ${env.TSPARK_HADOOP_PORT_OFFSET}`,
    );
  }
  const ports = Object.fromEntries(Object.entries(BASE_PORTS).map(([k, v]) => [k, v + portOffset]));
  const nodeManagers = BASE_NODE_MANAGERS.map((nm) => ({
    name: nm.name,
    rpc: nm.rpc + portOffset,
    localizer: nm.localizer + portOffset,
    http: nm.http + portOffset,
    dir: path.join(home, nm.name),
    confDir: path.join(home, nm.name, 'conf'),
    localDir: path.join(home, nm.name, 'local'),
    logDir: path.join(home, nm.name, 'logs'),
  }));
  const extrasFile = path.join(home, 'extras.json');
  return {
    version,
    home,
    extrasFile,
    extras: readExtras(extrasFile),
    cacheDir,
    classpathFile: path.join(cacheDir, 'classpath.txt'),
    digestFile: path.join(cacheDir, 'pom.sha256'),
    confDir: path.join(home, 'conf'),
    clientConfDir: path.join(home, 'client-conf'),
    cliLog4j: path.join(home, 'conf', 'log4j-cli.properties'),
    nameDir: path.join(home, 'data', 'nn'),
    dataDir: path.join(home, 'data', 'dn'),
    tmpDir: path.join(home, 'tmp'),
    logDir: path.join(home, 'logs'),
    pidDir: path.join(home, 'pids'),
    lockDir: path.join(home, '.lock'),
    coordinatesFile: path.join(home, 'cluster.json'),
    ports,
    portOffset,
    nodeManagers,
    // The OS user running the daemons is the HDFS superuser; tests act as `user`.
    superuser: os.userInfo().username,
    user,
    defaultFS: `hdfs://${HOST}:${ports.nnRpc}`,
    webhdfsUrl: `http://${HOST}:${ports.nnHttp}/webhdfs/v1`,
    nnHttpUrl: `http://${HOST}:${ports.nnHttp}`,
    rmUrl: `http://${HOST}:${ports.rmHttp}`,
    ahsUrl: `http://${HOST}:${ports.ahsHttp}`,
  };
}

/** The five daemons (six with the history server), in start order. */
export function daemons(layout) {
  const PORTS = layout.ports;
  return [
    {
      name: 'namenode',
      mainClass: 'org.apache.hadoop.hdfs.server.namenode.NameNode',
      heap: HEAP.namenode,
      confDir: layout.confDir,
      ports: [PORTS.nnRpc, PORTS.nnHttp],
    },
    {
      name: 'datanode',
      mainClass: 'org.apache.hadoop.hdfs.server.datanode.DataNode',
      heap: HEAP.datanode,
      confDir: layout.confDir,
      ports: [PORTS.dnData, PORTS.dnHttp, PORTS.dnIpc],
    },
    {
      name: 'resourcemanager',
      mainClass: 'org.apache.hadoop.yarn.server.resourcemanager.ResourceManager',
      heap: HEAP.resourcemanager,
      confDir: layout.confDir,
      ports: [PORTS.rmRpc, PORTS.rmScheduler, PORTS.rmTracker, PORTS.rmAdmin, PORTS.rmHttp],
    },
    ...layout.nodeManagers.map((nm) => ({
      name: nm.name,
      mainClass: 'org.apache.hadoop.yarn.server.nodemanager.NodeManager',
      heap: HEAP.nodemanager,
      confDir: nm.confDir,
      ports: [nm.rpc, nm.localizer, nm.http],
      nodeManager: true,
    })),
    ...(layout.extras.historyServer
      ? [
          {
            name: 'historyserver',
            mainClass: 'org.apache.hadoop.yarn.server.applicationhistoryservice.ApplicationHistoryServer',
            heap: HEAP.historyserver,
            confDir: layout.confDir,
            ports: [PORTS.ahsRpc, PORTS.ahsHttp],
          },
        ]
      : []),
  ];
}
