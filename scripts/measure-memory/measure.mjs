#!/usr/bin/env node
// Measures how much memory a tspark executor (a Node process) uses beyond its V8 heap
// limit while running shuffle-heavy jobs, to check YARN's container sizing
// (heap + max(384 MiB, 10 % x heap)). See docs/yarn.md, "Measured: Node's memory beyond the heap".
//
// One command, from the repo root, after `npm run build`:
//   node scripts/measure-memory/measure.mjs [--heaps 256,512,1024] [--data-factor 3] [--workloads reduce,sort,group]
//
// For each heap H (MiB) and workload it generates `key<TAB>value` records of about
// data-factor x H bytes (cached in the OS temp dir), runs
//   tspark-submit --master local-cluster[1,2,H] scripts/bench/apps/<app>.ts ...
// (the executor process is started with --max-old-space-size=H), and every 50 ms reads
// VmRSS and VmHWM from /proc/<pid>/status of every process descended from the submit.
// It prints one JSON line per run and a Markdown table: the executor's peak RSS,
// peak RSS - H, peak RSS / H, and Spark's default overhead max(384, 0.10 x H) for comparison.
import { spawn } from 'node:child_process';
import { createWriteStream, existsSync, readdirSync, readFileSync, renameSync, statSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { once } from 'node:events';
import { tmpdir, loadavg, cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import process from 'node:process';
import console from 'node:console';
import { setInterval, clearInterval } from 'node:timers';

const { values: opts } = parseArgs({
  options: {
    heaps: { type: 'string', default: '256,512,1024' },
    'data-factor': { type: 'string', default: '3' },
    workloads: { type: 'string', default: 'reduce,sort,group' },
    'interval-ms': { type: 'string', default: '50' },
    'data-dir': { type: 'string', default: join(tmpdir(), 'tspark-measure-memory') },
  },
});
const heaps = opts.heaps.split(',').map(Number);
const dataFactor = Number(opts['data-factor']);
const workloads = opts.workloads.split(',');
const intervalMs = Number(opts['interval-ms']);
const MiB = 1024 * 1024;

const WORKLOADS = {
  // reduceByKey over uniformly keyed records, about one distinct key per 4 records
  reduce: {
    keys: 'uniform',
    app: 'scripts/bench/apps/skewed-aggregation.ts',
    args: (f) => ['reduce', f, '8', '8'],
  },
  // sortByKey: uniform keys, range partitioned; spills when the heap budget is exceeded
  sort: { keys: 'uniform', app: 'scripts/bench/apps/sort-by-key.ts', args: (f) => [f, '8', '8'] },
  // groupByKey where one key holds about a fifth of all records
  group: {
    keys: 'skewed',
    app: 'scripts/bench/apps/skewed-aggregation.ts',
    args: (f) => ['group', f, '8', '8'],
  },
};

/** xorshift32: deterministic records without dependencies. */
function prng(seed) {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s / 4294967296;
  };
}

async function generate(kind, bytes) {
  const dir = opts['data-dir'];
  await mkdir(dir, { recursive: true });
  const file = join(dir, `${kind}-${Math.round(bytes / MiB)}m.tsv`);
  if (existsSync(file)) return file;
  const rand = prng(kind === 'uniform' ? 12345 : 67890);
  // ~24 bytes a record; about 4 records per distinct key
  const distinct = Math.max(1000, Math.floor(bytes / 24 / 4));
  const out = createWriteStream(file + '.tmp');
  let written = 0;
  while (written < bytes) {
    let chunk = '';
    for (let i = 0; i < 20000; i++) {
      const k = kind === 'skewed' && rand() < 0.2 ? 0 : Math.floor(rand() * distinct);
      chunk += `key${k.toString().padStart(9, '0')}\t${Math.floor(rand() * 1000)}\n`;
    }
    written += chunk.length;
    if (!out.write(chunk)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
  renameSync(file + '.tmp', file);
  return file;
}

function children() {
  const parentOf = new Map();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      parentOf.set(Number(name), ppid);
    } catch {
      // the process ended between readdir and read
    }
  }
  return parentOf;
}

function descendants(root) {
  const parentOf = children();
  const result = [];
  for (const pid of parentOf.keys()) {
    let p = pid;
    while (p && p !== root && parentOf.has(p)) p = parentOf.get(p);
    if (p === root && pid !== root) result.push(pid);
  }
  return result;
}

function statusKiB(pid) {
  try {
    const s = readFileSync(`/proc/${pid}/status`, 'utf8');
    const rss = Number(/VmRSS:\s+(\d+)/.exec(s)?.[1] ?? 0);
    const hwm = Number(/VmHWM:\s+(\d+)/.exec(s)?.[1] ?? 0);
    return { rss, hwm };
  } catch {
    return null;
  }
}

function cmdline(pid) {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ');
  } catch {
    return '';
  }
}

async function run(heap, name) {
  const w = WORKLOADS[name];
  const file = await generate(w.keys, dataFactor * heap * MiB);
  const inputMiB = statSync(file).size / MiB;
  const args = ['bin/tspark-submit.js', '--master', `local-cluster[1,2,${heap}]`, w.app, ...w.args(file)];
  const t0 = Date.now();
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  const procs = new Map(); // pid -> { cmd, peakRss, hwm }
  const timer = setInterval(() => {
    for (const pid of [child.pid, ...descendants(child.pid)]) {
      const s = statusKiB(pid);
      if (!s) continue;
      let p = procs.get(pid);
      if (!p) procs.set(pid, (p = { cmd: cmdline(pid), peakRss: 0, hwm: 0 }));
      p.peakRss = Math.max(p.peakRss, s.rss);
      p.hwm = Math.max(p.hwm, s.hwm);
    }
  }, intervalMs);
  const [code] = await once(child, 'exit');
  clearInterval(timer);
  const seconds = (Date.now() - t0) / 1000;
  // the executor: a descendant started with the heap flag that is not the submit itself
  const flag = `--max-old-space-size=${heap}`;
  const executors = [...procs.entries()].filter(([pid, p]) => pid !== child.pid && p.cmd.includes(flag));
  const executor = executors.sort((a, b) => b[1].hwm - a[1].hwm)[0];
  const driver = procs.get(child.pid);
  const peakMiB = executor ? Math.max(executor[1].hwm, executor[1].peakRss) / 1024 : NaN;
  const result = {
    heapMiB: heap,
    workload: name,
    inputMiB: Math.round(inputMiB),
    exitCode: code,
    seconds,
    executorPeakRssMiB: Math.round(peakMiB),
    beyondHeapMiB: Math.round(peakMiB - heap),
    ratio: Number((peakMiB / heap).toFixed(2)),
    sparkDefaultOverheadMiB: Math.max(384, Math.floor(0.1 * heap)),
    driverPeakRssMiB: driver ? Math.round(driver.hwm / 1024) : null,
    processes: [...procs.values()].map((p) => ({
      cmd: p.cmd.slice(0, 160),
      hwmMiB: Math.round(p.hwm / 1024),
    })),
    result: stdout.trim().split('\n').at(-1),
    error: code === 0 ? undefined : stderr.slice(-2000),
  };
  console.log(JSON.stringify(result));
  return result;
}

const started = new Date().toISOString();
const load0 = loadavg();
const results = [];
for (const heap of heaps) for (const name of workloads) results.push(await run(heap, name));
const load1 = loadavg();
console.log(
  `\n${started} .. ${new Date().toISOString()}; node ${process.version}; ${cpus().length} cores (${cpus()[0]?.model}); ${Math.round(totalmem() / 1024 ** 3)} GiB`,
);
console.log(
  `load average at start ${load0.map((l) => l.toFixed(2)).join(' ')}, at end ${load1.map((l) => l.toFixed(2)).join(' ')}\n`,
);
console.log(
  '| heap (MiB) | workload | input (MiB) | peak RSS (MiB) | RSS - heap (MiB) | RSS / heap | Spark default overhead (MiB) | exit | seconds |',
);
console.log('|---|---|---|---|---|---|---|---|---|');
for (const r of results) {
  console.log(
    `| ${r.heapMiB} | ${r.workload} | ${r.inputMiB} | ${r.executorPeakRssMiB} | ${r.beyondHeapMiB} | ${r.ratio} | ${r.sparkDefaultOverheadMiB} | ${r.exitCode} | ${r.seconds.toFixed(0)} |`,
  );
}
