#!/usr/bin/env node
/* global process, console, setTimeout */
// The test cluster's command line: start | stop | status | env | assemble |
// classpath | yarn ... | hdfs ...  (the bash wrappers beside this file call it).
// See docs/test-cluster.md.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { SetupError, ensureClasspath, findJava } from './lib/assemble.mjs';
import {
  allTsparkDaemons,
  foregroundCommand,
  formatNameNode,
  isAlive,
  isFormatted,
  removePidFile,
  rssKiB,
  runningPid,
  spawnDaemon,
  strayContainerPids,
  tailLogs,
  terminate,
} from './lib/daemons.mjs';
import { ensureHdfsDirectories, hdfsHealth, historyServerHealth, yarnHealth } from './lib/health.mjs';
import { resolveCli } from './lib/hadoop-cli.mjs';
import { HOST, RUNTIME_DIR, daemons, hdfsDirectories, readExtras, resolveLayout } from './lib/layout.mjs';
import { BLOCK_SIZE, writeConfiguration } from './lib/site-config.mjs';

// Cold JVMs on two busy cores: generous, but a hung daemon still fails the start.
const START_TIMEOUT_MS = Number(process.env.TSPARK_HADOOP_START_TIMEOUT_MS || 180_000);
const LOCK_TIMEOUT_MS = 10 * 60 * 1000;

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const seconds = (t0) => ((Date.now() - t0) / 1000).toFixed(1);
const say = (msg) => console.error(`[hadoop] ${msg}`);

class StartError extends Error {}

const truthy = (v) => !!v && v !== '0' && v.toLowerCase() !== 'false';

// ---------------------------------------------------------------- locking
function lockAgeMs(dir) {
  try {
    return Date.now() - statSync(dir).mtimeMs;
  } catch {
    return 0;
  }
}

// start and stop of one state dir exclude each other (several test runs may
// race to start the same cluster); a lock whose owner died is taken over.
async function withLock(layout, fn) {
  mkdirSync(layout.home, { recursive: true });
  const ownerFile = path.join(layout.lockDir, 'pid');
  const deadline = Date.now() + LOCK_TIMEOUT_MS;
  let announced = false;
  for (;;) {
    try {
      mkdirSync(layout.lockDir);
      writeFileSync(ownerFile, `${process.pid}\n`);
      break;
    } catch (e) {
      if (e.code !== 'EEXIST') throw e;
      const owner = existsSync(ownerFile) ? Number(readFileSync(ownerFile, 'utf8').trim()) : NaN;
      const dead =
        Number.isInteger(owner) && owner > 0 ? !isAlive(owner) : lockAgeMs(layout.lockDir) > 10_000;
      if (dead) {
        rmSync(layout.lockDir, { recursive: true, force: true });
        continue;
      }
      if (Date.now() > deadline)
        throw new StartError(`gave up waiting for the lock ${layout.lockDir} (held by pid ${owner})`);
      if (!announced) say(`waiting for another start/stop of this cluster (pid ${owner}) ...`);
      announced = true;
      await sleep(500);
    }
  }
  const release = () => rmSync(layout.lockDir, { recursive: true, force: true });
  process.once('exit', release);
  try {
    return await fn();
  } finally {
    release();
  }
}

// ---------------------------------------------------------------- start
function portInUse(port) {
  return new Promise((resolve) => {
    const sock = net.createConnection({ host: HOST, port });
    sock.setTimeout(1000);
    sock.once('connect', () => (sock.destroy(), resolve(true)));
    sock.once('timeout', () => (sock.destroy(), resolve(false)));
    sock.once('error', () => resolve(false));
  });
}

async function dealWithForeignClusters(layout, env) {
  // Only a cluster on the same ports is in the way.
  const foreign = allTsparkDaemons().filter(
    (d) => d.home !== layout.home && d.portOffset === layout.portOffset,
  );
  if (foreign.length === 0) return;
  const homes = [...new Set(foreign.map((d) => d.home))];
  if (truthy(env.CI) || truthy(env.TSPARK_HADOOP_TAKEOVER)) {
    say(`stopping a test cluster of another state dir (${homes.join(', ')}) that holds the fixed ports`);
    await terminate(foreign.map((d) => d.pid));
    return;
  }
  throw new StartError(
    `another tspark test cluster is running from ${homes.join(', ')} on the same fixed ports.\n` +
      `Use it (TSPARK_HADOOP_HOME=${homes[0]}), stop it (TSPARK_HADOOP_HOME=${homes[0]} scripts/hadoop/stop), ` +
      'or set TSPARK_HADOOP_TAKEOVER=1 to stop it automatically.',
  );
}

function nodeManagerEnv(env) {
  // Containers inherit PATH from the NodeManager (env whitelist): put the node
  // running this script first so `node` in a container is this very node.
  const nodeDir = path.dirname(process.execPath);
  return {
    PATH: [nodeDir, ...(env.PATH || '').split(path.delimiter).filter((d) => d && d !== nodeDir)].join(
      path.delimiter,
    ),
  };
}

// NodeIds come from the RM: it names nodes by the hostname it resolves for
// 127.0.0.1 (usually `localhost`), not by the configured address.
function coordinates(layout, pids, rmNodes) {
  const fromRm = (port) => rmNodes.find((n) => n.id.endsWith(`:${port}`));
  return {
    version: layout.version,
    home: layout.home,
    confDir: layout.clientConfDir,
    defaultFS: layout.defaultFS,
    webhdfsUrl: layout.webhdfsUrl,
    nameNodeUrl: layout.nnHttpUrl,
    dataNodeAddress: `${HOST}:${layout.ports.dnData}`,
    portOffset: layout.portOffset,
    rmUrl: layout.rmUrl,
    user: layout.user,
    superuser: layout.superuser,
    runtimeDir: RUNTIME_DIR,
    remoteAppLogDir: '/tmp/logs',
    blockSize: BLOCK_SIZE,
    logDir: layout.logDir,
    // Resolved jars (colon-separated absolute paths in ~/.m2), for tests that
    // run their own Java against the cluster.
    classpathFile: layout.classpathFile,
    nodeManagers: layout.nodeManagers.map((nm) => ({
      name: nm.name,
      nodeId: fromRm(nm.rpc)?.id ?? `${HOST}:${nm.rpc}`,
      httpAddress: fromRm(nm.rpc)?.httpAddress ?? `${HOST}:${nm.http}`,
      webUrl: `http://${HOST}:${nm.http}`,
      localDir: nm.localDir,
      logDir: nm.logDir,
    })),
    // Only with `start --conf` / `--history-server` (see docs/test-cluster.md).
    ...(layout.extras.historyServer ? { historyServerUrl: layout.ahsUrl } : {}),
    ...(Object.keys(layout.extras.yarnSite).length ? { yarnSiteOverrides: layout.extras.yarnSite } : {}),
    pids,
  };
}

async function waitHealthy(layout, spawned) {
  const deadline = Date.now() + START_TIMEOUT_MS;
  let dirsReady = false;
  let hdfs = { ok: false, why: 'not probed' };
  let yarn = { ok: false, why: 'not probed' };
  let ahs = { ok: !layout.extras.historyServer, why: 'not probed' };
  let lastReport = '';
  while (Date.now() < deadline) {
    for (const [name, pid] of Object.entries(spawned)) {
      if (!isAlive(pid))
        throw new StartError(`${name} (pid ${pid}) exited during start-up.\n${tailLogs(layout, name)}`);
    }
    if (!hdfs.ok) hdfs = await hdfsHealth(layout);
    if (hdfs.ok && !dirsReady) {
      try {
        await ensureHdfsDirectories(layout, hdfsDirectories(layout.user));
        dirsReady = true;
      } catch (e) {
        // A NameNode still warming up on a busy machine can be slow: retry.
        hdfs = { ok: true, why: `creating HDFS dirs: ${e.message}` };
      }
    }
    if (!yarn.ok) yarn = await yarnHealth(layout);
    if (!ahs.ok) ahs = await historyServerHealth(layout);
    if (dirsReady && yarn.ok && ahs.ok) return yarn.nodes;
    const report = [
      hdfs.ok ? (dirsReady ? 'HDFS ok' : hdfs.why || 'HDFS ok, creating dirs') : hdfs.why,
      yarn.ok ? 'YARN ok' : yarn.why,
      ...(ahs.ok ? [] : [ahs.why]),
    ].join('; ');
    if (report !== lastReport) say(`waiting: ${report}`);
    lastReport = report;
    await sleep(500);
  }
  const culprits = !hdfs.ok
    ? ['namenode', 'datanode']
    : layout.nodeManagers.map((n) => n.name).concat('resourcemanager');
  throw new StartError(
    `cluster not healthy after ${START_TIMEOUT_MS / 1000}s: ${hdfs.ok ? '' : hdfs.why + '; '}${yarn.ok ? '' : yarn.why}\n` +
      culprits.map((n) => tailLogs(layout, n, 25)).join('\n'),
  );
}

async function start(layout, env) {
  const t0 = Date.now();
  const java = findJava(env);
  const jars = ensureClasspath(layout, env, say);
  await withLock(layout, async () => {
    const all = daemons(layout);
    const pids = Object.fromEntries(all.map((d) => [d.name, runningPid(layout, d.name)]));
    const missing = all.filter((d) => !pids[d.name]);
    if (missing.length === 0) {
      const [h, y] = await Promise.all([hdfsHealth(layout), yarnHealth(layout)]);
      if (h.ok && y.ok) {
        writeFileSync(
          layout.coordinatesFile,
          JSON.stringify(coordinates(layout, pids, y.nodes), null, 2) + '\n',
        );
        say(`already running (${layout.home}); checked in ${seconds(t0)}s`);
        return;
      }
    }
    await dealWithForeignClusters(layout, env);
    for (const d of missing) {
      for (const port of d.ports) {
        if (await portInUse(port)) {
          throw new StartError(
            `port ${HOST}:${port} (for ${d.name}) is in use by another process; free it and start again.`,
          );
        }
      }
    }
    writeConfiguration(layout);
    for (const dir of [
      layout.tmpDir,
      layout.logDir,
      ...layout.nodeManagers.flatMap((n) => [n.localDir, n.logDir]),
    ]) {
      mkdirSync(dir, { recursive: true });
    }
    if (!isFormatted(layout)) {
      if (pids.namenode || pids.datanode)
        throw new StartError('HDFS is running but its name dir is gone: stop the cluster and start again.');
      const tf = Date.now();
      formatNameNode(layout, java, jars);
      say(`formatted HDFS in ${seconds(tf)}s`);
    }
    const spawned = {};
    const nmEnv = nodeManagerEnv(env);
    let rmNodes;
    try {
      for (const d of missing) {
        spawned[d.name] = spawnDaemon(layout, java, jars, d, d.nodeManager ? nmEnv : {});
        pids[d.name] = spawned[d.name];
      }
      if (missing.length) say(`starting ${missing.map((d) => d.name).join(', ')} (logs in ${layout.logDir})`);
      rmNodes = await waitHealthy(layout, spawned);
    } catch (e) {
      say('start failed; stopping the daemons this start launched');
      await terminate(Object.values(spawned), 5000);
      for (const name of Object.keys(spawned)) removePidFile(layout, name);
      throw e;
    }
    writeFileSync(layout.coordinatesFile, JSON.stringify(coordinates(layout, pids, rmNodes), null, 2) + '\n');
    say(
      `cluster up in ${seconds(t0)}s: RM ${layout.rmUrl}  NameNode ${layout.nnHttpUrl}  fs ${layout.defaultFS}`,
    );
  });
}

// ---------------------------------------------------------------- stop
async function stop(layout) {
  const t0 = Date.now();
  await withLock(layout, async () => {
    const all = daemons(layout);
    // NodeManagers first: they stop their containers; HDFS last so that log
    // aggregation in flight can still write.
    const order = [
      ...all.filter((d) => d.nodeManager),
      ...all.filter((d) => d.name === 'resourcemanager' || d.name === 'historyserver'),
      ...all.filter((d) => d.name === 'datanode'),
      ...all.filter((d) => d.name === 'namenode'),
    ];
    let stopped = 0;
    for (const group of [order.filter((d) => d.nodeManager), order.filter((d) => !d.nodeManager)]) {
      const pids = group.map((d) => runningPid(layout, d.name)).filter(Boolean);
      const killed = await terminate(pids);
      if (killed.length) say(`had to SIGKILL pid(s) ${killed.join(', ')}`);
      stopped += pids.length;
    }
    // Anything else of this state dir (e.g. a daemon whose pid file was lost).
    const leftovers = allTsparkDaemons()
      .filter((d) => d.home === layout.home)
      .map((d) => d.pid);
    const strays = strayContainerPids(layout);
    if (leftovers.length || strays.length) {
      say(`stopping ${leftovers.length} unlisted daemon(s) and ${strays.length} stray container process(es)`);
      await terminate([...leftovers, ...strays], 5000);
    }
    for (const d of all) removePidFile(layout, d.name);
    rmSync(layout.coordinatesFile, { force: true });
    say(stopped ? `cluster stopped in ${seconds(t0)}s (${stopped} daemons)` : 'cluster was not running');
  });
}

// ---------------------------------------------------------------- status
async function status(layout, asJson) {
  const rows = daemons(layout).map((d) => {
    const pid = runningPid(layout, d.name);
    return {
      name: d.name,
      pid: pid ?? null,
      rssMiB: pid ? Math.round(rssKiB(pid) / 1024) : 0,
      ports: d.ports,
    };
  });
  const running = rows.filter((r) => r.pid).length;
  const [hdfs, yarn] = running
    ? await Promise.all([hdfsHealth(layout), yarnHealth(layout)])
    : [
        { ok: false, why: 'stopped' },
        { ok: false, why: 'stopped' },
      ];
  const totalRssMiB = rows.reduce((s, r) => s + r.rssMiB, 0);
  const result = {
    home: layout.home,
    version: layout.version,
    running,
    daemons: rows,
    hdfs,
    yarn,
    totalRssMiB,
  };
  if (asJson) {
    console.log(JSON.stringify(result, null, 2));
  } else {
    console.log(`hadoop ${layout.version} test cluster in ${layout.home}`);
    for (const r of rows) {
      console.log(
        `  ${r.name.padEnd(16)} ${r.pid ? `running  pid ${String(r.pid).padEnd(8)} rss ${String(r.rssMiB).padStart(4)} MiB` : 'stopped'}   ports ${r.ports.join(',')}`,
      );
    }
    console.log(
      `  HDFS: ${hdfs.ok ? 'healthy' : hdfs.why}   YARN: ${yarn.ok ? 'healthy' : yarn.why}   total RSS ${totalRssMiB} MiB`,
    );
    if (running)
      console.log(
        `  RM UI ${layout.rmUrl}   NameNode UI ${layout.nnHttpUrl}   HADOOP_CONF_DIR=${layout.clientConfDir}`,
      );
  }
  return running === rows.length && hdfs.ok && yarn.ok ? 0 : 1;
}

// ---------------------------------------------------------------- CLIs
function runCli(layout, env, tool, argv) {
  const resolved = resolveCli(tool, argv);
  if (resolved.error) {
    console.error(resolved.error);
    return 2;
  }
  const java = findJava(env);
  const jars = ensureClasspath(layout, env, say);
  if (!existsSync(path.join(layout.clientConfDir, 'core-site.xml'))) writeConfiguration(layout);
  const { cmd, args, env: jenv } = foregroundCommand(layout, java, jars, resolved.mainClass, resolved.args);
  const res = spawnSync(cmd, args, { stdio: 'inherit', env: { ...env, ...jenv } });
  if (res.error) throw res.error;
  return res.status ?? 1;
}

// ---------------------------------------------------------------- start options
/**
 * `start [--conf key=value]... [--history-server] [--standard]`: the extras
 * of this state dir (null = keep what extras.json says, undefined = bad usage).
 * They replace the saved ones; daemons already running keep their old
 * configuration until `stop` + `start`.
 */
function parseStartArgs(argv, layout) {
  if (argv.length === 0) return null;
  const extras = { yarnSite: {}, historyServer: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--history-server') extras.historyServer = true;
    else if (a === '--standard') continue;
    else if (a === '--conf' || a.startsWith('--conf=')) {
      const kv = a === '--conf' ? argv[++i] : a.slice('--conf='.length);
      const eq = kv?.indexOf('=') ?? -1;
      if (eq <= 0) {
        console.error(`[hadoop] Error: --conf wants key=value, got ${kv ?? 'nothing'}`);
        return undefined;
      }
      extras.yarnSite[kv.slice(0, eq)] = kv.slice(eq + 1);
    } else {
      console.error(`[hadoop] Error: unknown start option ${a}\n${USAGE}`);
      return undefined;
    }
  }
  const before = readExtras(layout.extrasFile);
  if (JSON.stringify(before) !== JSON.stringify(extras)) {
    const running = daemons(layout).filter((d) => runningPid(layout, d.name));
    if (running.length)
      say(
        `configuration changed; ${running.map((d) => d.name).join(', ')} keep the old one until stop + start`,
      );
  }
  return extras;
}

// ---------------------------------------------------------------- main
const USAGE = `usage: cluster.mjs <command>
  start [opts]       assemble (first time) and start the cluster, wait until healthy
      --conf k=v       override a yarn-site key (repeatable; RM, NMs, clients)
      --history-server also run a timeline v1 ApplicationHistoryServer (log server)
      --standard       drop the options above
    options are kept in <state>/extras.json for later starts of that state dir
  stop               stop every daemon of the cluster
  status [--json]    what runs, health, resident memory
  env                print "export HADOOP_CONF_DIR=..." for clients
  assemble           only resolve the Hadoop jars (Maven) into the cache
  classpath          print the resolved jar classpath (colon-separated)
  yarn <sub> ...     Hadoop's yarn CLI (application, logs, node, queue, rmadmin, version)
  hdfs <sub> ...     Hadoop's hdfs CLI (dfs, dfsadmin, fsck, getconf, version)
state dir: $TSPARK_HADOOP_HOME (default <repo>/.hadoop); jar cache: $TSPARK_HADOOP_CACHE`;

async function main(argv, env) {
  const [command, ...rest] = argv;
  const layout = resolveLayout(env);
  switch (command) {
    case 'start': {
      const extras = parseStartArgs(rest, layout);
      if (extras === undefined) return 2;
      if (extras) {
        mkdirSync(layout.home, { recursive: true });
        writeFileSync(layout.extrasFile, JSON.stringify(extras, null, 2) + '\n');
      }
      await start(extras ? resolveLayout(env) : layout, env);
      return 0;
    }
    case 'stop':
      await stop(layout);
      return 0;
    case 'status':
      return status(layout, rest.includes('--json'));
    case 'env':
      if (!existsSync(path.join(layout.clientConfDir, 'core-site.xml'))) writeConfiguration(layout);
      console.log(`export HADOOP_CONF_DIR=${layout.clientConfDir}`);
      return 0;
    case 'assemble':
      findJava(env);
      ensureClasspath(layout, env, say);
      say(`classpath: ${layout.classpathFile}`);
      return 0;
    case 'classpath':
      console.log(ensureClasspath(layout, env, say).join(path.delimiter));
      return 0;
    case 'yarn':
    case 'hdfs':
      return runCli(layout, env, command, rest);
    default:
      console.error(USAGE);
      return command ? 2 : 0;
  }
}

main(process.argv.slice(2), process.env).then(
  (code) => process.exit(code),
  (e) => {
    if (e instanceof SetupError || e instanceof StartError) {
      console.error(`[hadoop] Error: ${e.message}`);
    } else {
      console.error(`[hadoop] Error: ${e.stack || e}`);
    }
    process.exit(1);
  },
);
