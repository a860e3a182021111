/* global process, setTimeout */
// Starting, finding and stopping the daemon JVMs. A daemon is "ours" when its
// /proc cmdline carries -Dtspark.hadoop.home=<state dir> and
// -Dtspark.hadoop.daemon=<name>: pid files alone could point at a reused pid.
import { spawn, spawnSync } from 'node:child_process';
import {
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readFileSync,
  readdirSync,
  readlinkSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import path from 'node:path';

// The union of the module openings Hadoop's own launcher scripts and Spark pass
// on Java 17 (Guice 4 in the RM/NM web apps needs java.lang at least).
const ADD_OPENS = [
  'java.base/java.io',
  'java.base/java.lang',
  'java.base/java.lang.invoke',
  'java.base/java.lang.reflect',
  'java.base/java.math',
  'java.base/java.net',
  'java.base/java.nio',
  'java.base/java.text',
  'java.base/java.util',
  'java.base/java.util.concurrent',
  'java.base/java.util.concurrent.atomic',
  'java.base/java.util.zip',
  'java.base/jdk.internal.ref',
  'java.base/sun.nio.ch',
  'java.base/sun.nio.cs',
  'java.base/sun.security.action',
  'java.base/sun.security.util',
  'java.base/sun.security.x509',
  'java.base/sun.util.calendar',
];

export function jvmModuleFlags() {
  return ['-XX:+IgnoreUnrecognizedVMOptions', ...ADD_OPENS.map((p) => `--add-opens=${p}=ALL-UNNAMED`)];
}

/** System properties Hadoop's launcher scripts would define (log dirs, home). */
function hadoopSystemProps(layout, logFile, rootLogger) {
  return [
    `-Dhadoop.log.dir=${layout.logDir}`,
    `-Dhadoop.log.file=${logFile}`,
    `-Dhadoop.home.dir=${layout.home}`,
    `-Dhadoop.id.str=${layout.superuser}`,
    `-Dhadoop.root.logger=${rootLogger}`,
    `-Dyarn.log.dir=${layout.logDir}`,
    `-Dyarn.log.file=${logFile}`,
    `-Dyarn.home.dir=${layout.home}`,
    `-Dyarn.root.logger=${rootLogger}`,
    '-Djava.net.preferIPv4Stack=true',
  ];
}

export function classpathFor(confDir, jars) {
  return [confDir, ...jars].join(path.delimiter);
}

function daemonJvmArgs(layout, daemon) {
  return [
    `-Xmx${daemon.heap}`,
    '-Xms64m',
    '-XX:+UseSerialGC',
    // C1 only: JIT threads dominate start-up CPU on two cores, and these daemons
    // do little hot computation. The DataNode keeps C2 for checksumming data.
    ...(daemon.name === 'datanode' ? [] : ['-XX:TieredStopAtLevel=1']),
    '-XX:MaxMetaspaceSize=256m',
    '-XX:+ExitOnOutOfMemoryError',
    ...jvmModuleFlags(),
    `-Dtspark.hadoop.home=${layout.home}`,
    `-Dtspark.hadoop.daemon=${daemon.name}`,
    `-Dtspark.hadoop.port-offset=${layout.portOffset}`,
    ...hadoopSystemProps(layout, `${daemon.name}.log`, 'INFO,RFA'),
  ];
}

/** Args and env to run a Hadoop class in the foreground (format, CLIs). */
export function foregroundCommand(
  layout,
  java,
  jars,
  mainClass,
  args,
  { confDir = layout.clientConfDir, heap = '256m', fastStart = true } = {},
) {
  const jvm = [
    `-Xmx${heap}`,
    '-XX:+UseSerialGC',
    // CLIs live for seconds: the C1 compiler alone starts them faster.
    ...(fastStart ? ['-XX:TieredStopAtLevel=1'] : []),
    ...jvmModuleFlags(),
    `-Dlog4j.configuration=file:${layout.cliLog4j}`,
    ...hadoopSystemProps(layout, 'cli.log', 'WARN,console'),
  ];
  return {
    cmd: java.javaBin,
    args: [...jvm, mainClass, ...args],
    env: { CLASSPATH: classpathFor(confDir, jars), JAVA_HOME: java.javaHome },
  };
}

function readCmdline(pid) {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
  } catch {
    return undefined;
  }
}

function isOurs(pid, layout, name) {
  const argv = readCmdline(pid);
  return (
    !!argv &&
    argv.includes(`-Dtspark.hadoop.home=${layout.home}`) &&
    argv.includes(`-Dtspark.hadoop.daemon=${name}`)
  );
}

function pidFile(layout, name) {
  return path.join(layout.pidDir, `${name}.pid`);
}

/**
 * The pid of a running daemon of this cluster, or undefined. A daemon whose
 * pid file was lost (state dir partly wiped) is found through /proc and its
 * pid file rewritten.
 */
export function runningPid(layout, name) {
  const file = pidFile(layout, name);
  if (existsSync(file)) {
    const pid = Number(readFileSync(file, 'utf8').trim());
    if (Number.isInteger(pid) && pid > 0 && isOurs(pid, layout, name)) return pid;
  }
  const adopted = allTsparkDaemons().find((d) => d.home === layout.home && d.name === name);
  if (!adopted) return undefined;
  mkdirSync(layout.pidDir, { recursive: true });
  writeFileSync(file, `${adopted.pid}\n`);
  return adopted.pid;
}

/** Every tspark Hadoop daemon on this machine, whatever its state dir and ports. */
export function allTsparkDaemons() {
  const found = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const argv = readCmdline(entry);
    if (!argv) continue;
    const home = argv.find((a) => a.startsWith('-Dtspark.hadoop.home='));
    const name = argv.find((a) => a.startsWith('-Dtspark.hadoop.daemon='));
    const offset = argv.find((a) => a.startsWith('-Dtspark.hadoop.port-offset='));
    if (home && name) {
      found.push({
        pid: Number(entry),
        home: home.split('=')[1],
        name: name.split('=')[1],
        portOffset: offset ? Number(offset.split('=')[1]) : 0,
      });
    }
  }
  return found;
}

export function rssKiB(pid) {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : 0;
  } catch {
    return 0;
  }
}

export function isAlive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return e.code === 'EPERM';
  }
}

/** Starts one daemon detached from this process; its output goes to logs/<name>.out. */
export function spawnDaemon(layout, java, jars, daemon, extraEnv) {
  mkdirSync(layout.logDir, { recursive: true });
  mkdirSync(layout.pidDir, { recursive: true });
  // Keep one previous log, so a failure report shows only this run's lines.
  const logPath = path.join(layout.logDir, `${daemon.name}.log`);
  if (existsSync(logPath)) renameSync(logPath, path.join(layout.logDir, `${daemon.name}.previous.log`));
  const outPath = path.join(layout.logDir, `${daemon.name}.out`);
  const out = openSync(outPath, 'w');
  const env = {
    ...process.env,
    ...extraEnv,
    JAVA_HOME: java.javaHome,
    CLASSPATH: classpathFor(daemon.confDir, jars),
    HADOOP_CONF_DIR: layout.clientConfDir,
  };
  const child = spawn(java.javaBin, [...daemonJvmArgs(layout, daemon), daemon.mainClass], {
    cwd: layout.home,
    detached: true,
    stdio: ['ignore', out, out],
    env,
  });
  closeSync(out);
  child.unref();
  writeFileSync(pidFile(layout, daemon.name), `${child.pid}\n`);
  return child.pid;
}

/** Runs `namenode -format` once; a fresh name dir means a fresh DataNode dir too. */
export function formatNameNode(layout, java, jars) {
  rmSync(layout.nameDir, { recursive: true, force: true });
  rmSync(layout.dataDir, { recursive: true, force: true });
  mkdirSync(layout.nameDir, { recursive: true });
  const { cmd, args, env } = foregroundCommand(
    layout,
    java,
    jars,
    'org.apache.hadoop.hdfs.server.namenode.NameNode',
    ['-format', '-nonInteractive', '-force', '-clusterid', 'tspark-test'],
    { confDir: layout.confDir, heap: '256m' },
  );
  const res = spawnSync(cmd, args, { env: { ...process.env, ...env }, encoding: 'utf8', timeout: 120_000 });
  if (res.status !== 0) {
    throw new Error(
      `namenode -format failed (exit ${res.status}):\n${(res.stderr || '').split('\n').slice(-30).join('\n')}`,
    );
  }
}

export function isFormatted(layout) {
  return existsSync(path.join(layout.nameDir, 'current', 'VERSION'));
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** SIGTERM, then SIGKILL after `graceMs`; resolves when every pid is gone. */
export async function terminate(pids, graceMs = 20_000) {
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGTERM');
    } catch {
      // already gone
    }
  }
  const deadline = Date.now() + graceMs;
  while (pids.some(isAlive) && Date.now() < deadline) await sleep(200);
  const stubborn = pids.filter(isAlive);
  for (const pid of stubborn) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  while (pids.some(isAlive)) await sleep(100);
  return stubborn;
}

/**
 * Container processes whose working directory lies under a NodeManager dir of
 * this cluster: left over only when an NM died without stopping them.
 */
export function strayContainerPids(layout) {
  const roots = layout.nodeManagers.map((nm) => `${nm.dir}${path.sep}`);
  const pids = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    let cwd;
    try {
      cwd = readlinkSync(`/proc/${entry}/cwd`);
    } catch {
      continue;
    }
    if (roots.some((r) => `${cwd}${path.sep}`.startsWith(r))) pids.push(Number(entry));
  }
  return pids;
}

export function removePidFile(layout, name) {
  rmSync(pidFile(layout, name), { force: true });
}

/** The last `n` lines of a daemon's log and .out files, for failure reports. */
export function tailLogs(layout, name, n = 40) {
  const parts = [];
  // .out last: a JVM that dies early says why there.
  for (const file of [`${name}.log`, `${name}.out`]) {
    const p = path.join(layout.logDir, file);
    if (!existsSync(p)) continue;
    const lines = readFileSync(p, 'utf8').trimEnd().split('\n');
    if (lines.length === 1 && lines[0] === '') continue;
    parts.push(`--- ${p} (last ${Math.min(n, lines.length)} lines) ---\n${lines.slice(-n).join('\n')}`);
  }
  return parts.join('\n') || `(no log files for ${name} in ${layout.logDir})`;
}
