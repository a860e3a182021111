#!/usr/bin/env node
/* global process, console, fetch, setTimeout, Buffer */
// Opt-in: re-captures the fixtures of test/fixtures/logs/cluster-gz and
// test/fixtures/logs/log-server (see the README.md in each) on a THROWAWAY
// Hadoop cluster of its own (own state dir, shifted ports), never the shared
// dev cluster:
//
//   gz          NodeManagers aggregating TFile with compression-type gz: a
//               two-attempt application whose first container's stdout spans
//               several 1 MiB value chunks and several gz data blocks.
//   log-server  NodeManagers aggregating the indexed format (IFile) and an
//               ApplicationHistoryServer as log server: its REST answers for
//               a two-attempt application, and Hadoop's `yarn logs` on it.
//
// Usage: node scripts/hadoop/capture-log-fixtures.mjs [gz] [log-server] [--keep]
//   (default: both). The cluster lives in $TSPARK_HADOOP_HOME (default
//   /tmp/tspark-log-fixtures) with TSPARK_HADOOP_PORT_OFFSET (default 300);
//   it is stopped and its state dir removed at the end unless --keep.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const SCRIPTS = path.dirname(fileURLToPath(import.meta.url));
const REPO = path.resolve(SCRIPTS, '..', '..');
const OUT = path.join(REPO, 'test', 'fixtures', 'logs');
const HOME = path.resolve(process.env.TSPARK_HADOOP_HOME || '/tmp/tspark-log-fixtures');
const OFFSET = process.env.TSPARK_HADOOP_PORT_OFFSET || '300';
const ENV = { ...process.env, TSPARK_HADOOP_HOME: HOME, TSPARK_HADOOP_PORT_OFFSET: OFFSET };
const INDEXED_CONTROLLER =
  'org.apache.hadoop.yarn.logaggregation.filecontroller.ifile.LogAggregationIndexedFileController';
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const say = (m) => console.error(`[capture-log-fixtures] ${m}`);

if (path.resolve(HOME) === path.join(REPO, '.hadoop')) {
  throw new Error(
    'refusing to reconfigure the shared dev cluster (.hadoop): set TSPARK_HADOOP_HOME elsewhere',
  );
}

/** Empties a fixture directory, keeping its hand-written README.md. */
function resetFixtureDir(dir) {
  mkdirSync(dir, { recursive: true });
  for (const name of readdirSync(dir)) {
    if (name !== 'README.md') rmSync(path.join(dir, name), { recursive: true, force: true });
  }
}

function harness(...args) {
  const r = spawnSync(path.join(SCRIPTS, args[0]), args.slice(1), { env: ENV, stdio: 'inherit' });
  if (r.status !== 0) throw new Error(`scripts/hadoop/${args.join(' ')} failed (${r.status})`);
}

/** (Re)starts the throwaway cluster with these extras; a change restarts every daemon. */
function startWith(extraArgs) {
  const want = JSON.stringify(extraArgs);
  let current;
  try {
    current = readFileSync(path.join(HOME, 'capture-args.json'), 'utf8');
  } catch {
    current = undefined;
  }
  if (current !== undefined && current !== want) harness('stop');
  harness('start', ...extraArgs);
  writeFileSync(path.join(HOME, 'capture-args.json'), want);
  return JSON.parse(readFileSync(path.join(HOME, 'cluster.json'), 'utf8'));
}

// ------------------------------------------------------------------ REST
// Jetty closes idle keep-alive connections; a reused one fails once.
async function retrying(send) {
  for (let attempt = 1; ; attempt++) {
    try {
      return await send();
    } catch (e) {
      if (attempt >= 3 || !(e instanceof TypeError)) throw e;
      await sleep(200);
    }
  }
}

async function rm(cluster, method, resource, body) {
  const sep = resource.includes('?') ? '&' : '?';
  const res = await retrying(() =>
    fetch(`${cluster.rmUrl}/ws/v1/cluster${resource}${sep}user.name=${cluster.user}`, {
      method,
      headers: { Accept: 'application/json', ...(body ? { 'Content-Type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    }),
  );
  const text = await res.text();
  if (res.status >= 300) throw new Error(`${method} ${resource}: ${res.status} ${text}`);
  return text ? JSON.parse(text) : {};
}

async function webhdfs(cluster, p, op) {
  const res = await retrying(() => fetch(`${cluster.webhdfsUrl}${p}?op=${op}&user.name=${cluster.user}`));
  if (res.status !== 200) throw new Error(`WebHDFS ${op} ${p}: ${res.status} ${await res.text()}`);
  return op === 'OPEN' ? Buffer.from(await res.arrayBuffer()) : res.json();
}

// The container's program, shipped inline (base64) so that no quoting of the
// AM command gets in the way. stdout: a header naming the container, then
// `lines` lines of 64 hex digits, the 8-digit values of the LCG
// x' = (1103515245 x + 12345) mod 2^31 from x0 = 42 (hex resists deflate, so
// gz blocks fill up); `lines` is the first argument for attempt 1, the second
// for later attempts. stderr, app.log (no final newline) and empty.log name
// the container too. Exits 3, so the AM never registers and the attempt fails.
const GENERATOR = `
const fs = require('fs');
const id = process.env.CONTAINER_ID;
const parts = id.split('_');
const attempt = Number(parts[parts.length - 2]);
const lines = Number(process.argv[attempt === 1 ? 3 : 4]);
let out = 'container ' + id + '\\n';
let x = 42;
for (let l = 0; l < lines; l++) {
  let line = '';
  for (let k = 0; k < 8; k++) {
    x = (Math.imul(x, 1103515245) + 12345) & 0x7fffffff;
    line += x.toString(16).padStart(8, '0');
  }
  out += line + '\\n';
  if (out.length > 65536) { fs.writeSync(1, out); out = ''; }
}
fs.writeSync(1, out);
fs.writeSync(2, 'stderr of ' + id + '\\n');
fs.writeFileSync(process.argv[2] + '/app.log', 'app log of ' + id);
fs.writeFileSync(process.argv[2] + '/empty.log', '');
process.exit(3);
`;

async function submit(cluster, name, linesFirst, linesLater) {
  const { 'application-id': appId } = await rm(cluster, 'POST', '/apps/new-application');
  const b64 = Buffer.from(GENERATOR).toString('base64');
  await rm(cluster, 'POST', '/apps', {
    'application-id': appId,
    'application-name': name,
    'application-type': 'YARN',
    'max-app-attempts': 2,
    resource: { memory: 256, vCores: 1 },
    // Only the files the generator writes: launch_container.sh and
    // directory.info would put this machine's paths into the fixtures.
    'log-aggregation-context': { 'log-include-pattern': '^(stdout|stderr|app\\.log|empty\\.log)$' },
    'am-container-spec': {
      commands: {
        command: `echo ${b64} | base64 -d > gen.cjs ; node gen.cjs <LOG_DIR> ${linesFirst} ${linesLater} 1><LOG_DIR>/stdout 2><LOG_DIR>/stderr`,
      },
    },
  });
  say(`submitted ${name}: ${appId}`);
  return appId;
}

async function waitAggregated(cluster, appId) {
  for (let i = 0; i < 300; i++) {
    const { app } = await rm(cluster, 'GET', `/apps/${appId}`);
    if (
      ['FINISHED', 'FAILED', 'KILLED'].includes(app.state) &&
      ['SUCCEEDED', 'FAILED', 'TIME_OUT'].includes(app.logAggregationStatus)
    ) {
      return app;
    }
    await sleep(1000);
  }
  throw new Error(`${appId} did not finish aggregating in 5 minutes`);
}

function yarnLogs(args) {
  const r = spawnSync(path.join(SCRIPTS, 'yarn'), ['logs', ...args], {
    env: { ...ENV, TZ: 'UTC' },
    maxBuffer: 256 * 1024 * 1024,
  });
  return { stdout: r.stdout, code: r.status };
}

function bucketDir(cluster, appId, format) {
  const seq = Number(appId.split('_')[2]) % 10000;
  return `${cluster.remoteAppLogDir}/${cluster.user}/bucket-logs-${format}/${String(seq).padStart(4, '0')}/${appId}`;
}

async function copyNodeFiles(cluster, appId, format, dir) {
  const appDir = bucketDir(cluster, appId, format);
  const listing = (await webhdfs(cluster, appDir, 'LISTSTATUS')).FileStatuses.FileStatus;
  const nodes = [];
  for (const f of listing) {
    const bytes = await webhdfs(cluster, `${appDir}/${f.pathSuffix}`, 'OPEN');
    const file = `${f.pathSuffix}.${format}`;
    writeFileSync(path.join(dir, file), bytes);
    nodes.push({ name: f.pathSuffix, file, length: f.length, modificationTime: f.modificationTime });
  }
  return { appDir, nodes };
}

function captureYarnLogs(dir, variants) {
  const outputs = [];
  for (const v of variants) {
    const { stdout, code } = yarnLogs(v.args);
    const file = `yarn-logs.${v.name}.txt`;
    writeFileSync(path.join(dir, file), stdout);
    outputs.push({ name: v.name, args: v.args, file, exitCode: code });
  }
  return outputs;
}

function attemptsOf(appAttempts) {
  return appAttempts.appAttempt.map((a) => ({
    id: a.id,
    containerId: a.containerId,
    nodeId: a.nodeId,
    nodeHttpAddress: a.nodeHttpAddress,
  }));
}

// ------------------------------------------------------------------ gz
const GZ_LINES_FIRST = 20000; // 1,300,000 bytes + header: two 1 MiB chunks, several gz blocks
const GZ_LINES_LATER = 40;

async function captureGz() {
  const cluster = startWith([
    '--history-server',
    '--conf',
    'yarn.nodemanager.log-aggregation.compression-type=gz',
  ]);
  const appId = await submit(cluster, 'tspark-logs-fixture-gz', GZ_LINES_FIRST, GZ_LINES_LATER);
  const app = await waitAggregated(cluster, appId);
  const dir = path.join(OUT, 'cluster-gz');
  resetFixtureDir(dir);
  const { appDir, nodes } = await copyNodeFiles(cluster, appId, 'tfile', dir);
  const { appAttempts } = await rm(cluster, 'GET', `/apps/${appId}/appattempts`);
  const attempts = attemptsOf(appAttempts);
  const outputs = captureYarnLogs(dir, [
    { name: 'all', args: ['-applicationId', appId] },
    { name: 'size-minus-200', args: ['-applicationId', appId, '-size', '-200'] },
    { name: 'containerId-c2', args: ['-containerId', attempts[1].containerId] },
  ]);
  // The big stdout makes `all` ~1.3 MB of incompressible hex: keep only its digest.
  const all = readFileSync(path.join(dir, 'yarn-logs.all.txt'));
  rmSync(path.join(dir, 'yarn-logs.all.txt'));
  const { createHash } = await import('node:crypto');
  outputs[0] = {
    ...outputs[0],
    file: undefined,
    sha256: createHash('sha256').update(all).digest('hex'),
    length: all.length,
  };
  const meta = {
    capturedWith: `Hadoop ${cluster.version} throwaway cluster (scripts/hadoop, --conf yarn.nodemanager.log-aggregation.compression-type=gz), scripts/hadoop/capture-log-fixtures.mjs gz`,
    timeZone: 'UTC',
    generator: { linesFirstAttempt: GZ_LINES_FIRST, linesLaterAttempts: GZ_LINES_LATER },
    app: { id: app.id, user: app.user, state: app.state, logAggregationStatus: app.logAggregationStatus },
    attempts,
    aggregatedDir: appDir,
    nodes,
    outputs,
  };
  writeFileSync(path.join(dir, 'meta.json'), `${JSON.stringify(meta, null, 2)}\n`);
  say(`cluster-gz: ${nodes.length} node file(s) of ${appId}`);
}

// ------------------------------------------------------------ log server
/**
 * Hadoop 3.4's indexed-format reader keeps the UUID of the first application
 * it reads (LogAggregationIndexedFileController.uuid, MAPREDUCE-7539), so a
 * history server that has served one IFile application fails for every
 * other. Restart it (the in-memory timeline store starts empty) before the
 * application to capture is submitted.
 */
async function restartHistoryServer() {
  const pidFile = path.join(HOME, 'pids', 'historyserver.pid');
  const pid = Number(readFileSync(pidFile, 'utf8').trim());
  process.kill(pid, 'SIGTERM');
  for (let i = 0; i < 200; i++) {
    try {
      process.kill(pid, 0);
    } catch {
      break;
    }
    await sleep(100);
  }
  harness('start');
}

const IFILE_LINES_FIRST = 1500;
const IFILE_LINES_LATER = 3;

async function ahs(cluster, p, accept) {
  const res = await retrying(() =>
    fetch(`${cluster.historyServerUrl}${p}${p.includes('?') ? '&' : '?'}user.name=${cluster.user}`, {
      headers: { Accept: accept },
      redirect: 'manual',
    }),
  );
  return {
    status: res.status,
    contentType: res.headers.get('content-type'),
    location: res.headers.get('location'),
    body: Buffer.from(await res.arrayBuffer()),
  };
}

async function waitHistory(cluster, appId, attempts) {
  // The RM publishes to the timeline store asynchronously.
  for (let i = 0; i < 60; i++) {
    const r = await ahs(cluster, `/ws/v1/applicationhistory/apps/${appId}`, 'application/json');
    if (r.status === 200 && ['FINISHED', 'FAILED', 'KILLED'].includes(JSON.parse(r.body).appState)) {
      let known = 0;
      for (const a of attempts) {
        const c = await ahs(
          cluster,
          `/ws/v1/applicationhistory/apps/${appId}/appattempts/${a.appAttemptId}/containers`,
          'application/json',
        );
        if (c.status === 200 && (JSON.parse(c.body).container ?? []).length > 0) known++;
      }
      if (known === attempts.length) return;
    }
    await sleep(1000);
  }
  throw new Error(`the history server did not learn ${appId} in a minute`);
}

async function captureLogServer() {
  const cluster = startWith([
    '--history-server',
    '--conf',
    'yarn.log-aggregation.file-formats=IFile',
    '--conf',
    `yarn.log-aggregation.file-controller.IFile.class=${INDEXED_CONTROLLER}`,
  ]);
  await restartHistoryServer();
  const appId = await submit(cluster, 'tspark-logs-fixture-ifile', IFILE_LINES_FIRST, IFILE_LINES_LATER);
  const app = await waitAggregated(cluster, appId);
  const { appAttempts } = await rm(cluster, 'GET', `/apps/${appId}/appattempts`);
  const attempts = attemptsOf(appAttempts);
  const dir = path.join(OUT, 'log-server');
  resetFixtureDir(dir);
  const { appDir, nodes } = await copyNodeFiles(cluster, appId, 'ifile', dir);

  const ws = '/ws/v1/applicationhistory';
  const recorded = [];
  const record = async (name, p, accept) => {
    const r = await ahs(cluster, p, accept);
    writeFileSync(path.join(dir, name), r.body);
    recorded.push({
      path: p,
      accept,
      status: r.status,
      contentType: r.contentType,
      ...(r.location ? { location: r.location } : {}),
      file: name,
    });
    return r;
  };
  const appAttemptsAhs = JSON.parse(
    (await record('ahs-appattempts.json', `${ws}/apps/${appId}/appattempts`, 'application/json')).body,
  );
  const ahsAttempts = appAttemptsAhs.appAttempt ?? [];
  await waitHistory(cluster, appId, ahsAttempts);
  await record('ahs-app.json', `${ws}/apps/${appId}`, 'application/json');
  for (const [i, a] of ahsAttempts.entries()) {
    await record(
      `ahs-attempt-${i + 1}-containers.json`,
      `${ws}/apps/${appId}/appattempts/${a.appAttemptId}/containers`,
      'application/json',
    );
  }
  for (const [i, a] of attempts.entries()) {
    const c = a.containerId;
    const n = `c${i + 1}`;
    await record(`${n}-logs.json`, `${ws}/containers/${c}/logs`, 'application/json');
    // Every file whole and with the -size values of the yarn logs variants below.
    for (const f of ['stdout', 'stderr', 'app.log', 'empty.log']) {
      await record(`${n}-${f}.txt`, `${ws}/containers/${c}/logs/${f}`, 'text/plain');
      await record(`${n}-${f}-size-minus-20.txt`, `${ws}/containers/${c}/logs/${f}?size=-20`, 'text/plain');
      await record(`${n}-${f}-size-12.txt`, `${ws}/containers/${c}/logs/${f}?size=12`, 'text/plain');
    }
    await record(`${n}-missing.txt`, `${ws}/containers/${c}/logs/no-such-file`, 'text/plain');
  }
  // An application the history server does not know (the next id).
  const unknown = appId.replace(/_(\d+)$/, (_, s) => `_${String(Number(s) + 50).padStart(s.length, '0')}`);
  const unknownContainer = attempts[0].containerId.replace(
    appId.slice('application_'.length),
    unknown.slice('application_'.length),
  );
  await record(
    'unknown-container-logs.json',
    `${ws}/containers/${unknownContainer}/logs`,
    'application/json',
  );
  await record('unknown-app.json', `${ws}/apps/${unknown}`, 'application/json');

  // A second IFile application: the same server now fails for it (see restartHistoryServer).
  const second = await submit(cluster, 'tspark-logs-fixture-ifile-2', 2, 2);
  await waitAggregated(cluster, second);
  const { appAttempts: secondAttempts } = await rm(cluster, 'GET', `/apps/${second}/appattempts`);
  const secondContainer = attemptsOf(secondAttempts)[0].containerId;
  await record('second-app-c1-logs.json', `${ws}/containers/${secondContainer}/logs`, 'application/json');
  await record('second-app-c1-stdout.txt', `${ws}/containers/${secondContainer}/logs/stdout`, 'text/plain');

  const outputs = captureYarnLogs(dir, [
    { name: 'all', args: ['-applicationId', appId] },
    { name: 'log_files-stderr', args: ['-applicationId', appId, '-log_files', 'stderr'] },
    { name: 'size-minus-20', args: ['-applicationId', appId, '-size', '-20'] },
    { name: 'size-12', args: ['-applicationId', appId, '-size', '12'] },
    { name: 'containerId-c1', args: ['-containerId', attempts[0].containerId] },
    {
      name: 'containerId-c2-stdout',
      args: ['-containerId', attempts[1].containerId, '-log_files', 'stdout'],
    },
    { name: 'am-1', args: ['-applicationId', appId, '-am', '1'] },
    { name: 'am-2', args: ['-applicationId', appId, '-am', '2'] },
    { name: 'pattern-log', args: ['-applicationId', appId, '-log_files_pattern', '.*\\.log'] },
    { name: 'list_nodes', args: ['-applicationId', appId, '-list_nodes'] },
    { name: 'show_application_log_info', args: ['-applicationId', appId, '-show_application_log_info'] },
    { name: 'show_container_log_info', args: ['-applicationId', appId, '-show_container_log_info'] },
  ]);
  const meta = {
    capturedWith: `Hadoop ${cluster.version} throwaway cluster (scripts/hadoop start --history-server --conf yarn.log-aggregation.file-formats=IFile ...), scripts/hadoop/capture-log-fixtures.mjs log-server`,
    timeZone: 'UTC',
    logServerWebServiceUrl: `${cluster.historyServerUrl}${ws}`,
    generator: { linesFirstAttempt: IFILE_LINES_FIRST, linesLaterAttempts: IFILE_LINES_LATER },
    app: { id: app.id, user: app.user, state: app.state, logAggregationStatus: app.logAggregationStatus },
    attempts,
    aggregatedDir: appDir,
    nodes,
    secondApp: { id: second, containerId: secondContainer },
    responses: recorded,
    outputs,
  };
  writeFileSync(path.join(dir, 'meta.json'), `${JSON.stringify(meta, null, 2)}\n`);
  say(`log-server: ${recorded.length} responses, ${outputs.length} yarn logs outputs of ${appId}`);
}

const argv = process.argv.slice(2);
const keep = argv.includes('--keep');
const wanted = argv.filter((a) => a !== '--keep');
const all = wanted.length === 0;
try {
  if (all || wanted.includes('gz')) await captureGz();
  if (all || wanted.includes('log-server')) await captureLogServer();
} finally {
  if (!keep) {
    harness('stop');
    rmSync(HOME, { recursive: true, force: true });
    say(`stopped the throwaway cluster and removed ${HOME}`);
  }
}
