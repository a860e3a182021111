#!/usr/bin/env node
// Measures how much memory a tspark executor (a Node process) uses beyond its V8 heap
// limit while running shuffle-heavy jobs, to check YARN's container sizing
// (heap + max(384 MiB, 10 % x heap, 128 MiB + 80 MiB x cores)). See docs/yarn.md, "Memory".
//
// One command, from the repo root, after `npm run build`:
//   node scripts/measure-memory/measure.mjs [--heaps 256,512,1024] [--data-factor 3]
//     [--workloads reduce,sort,group,sort1k,group1k] [--cores 2] [--conf key=value ...] [--no-probe]
//     [--interval-ms 50] [--data-dir <dir>] [--help]
//
// For each heap H (MiB) and workload it runs
//   tspark-submit --master local-cluster[1,cores,H] <app> ...
// (the executor process is started with --max-old-space-size=H, as on YARN), and every
// 50 ms reads VmRSS and VmHWM from /proc/<pid>/status of every process descended from the
// submit. reduce/sort/group read generated `key<TAB>value` lines of about data-factor x H
// bytes (cached in the OS temp dir; about 24 bytes a record); sort1k/group1k generate
// data-factor x H MiB of 1 KiB records inside the tasks (test/fixtures/apps/shuffle-memory.ts).
// It prints one JSON line per run and a Markdown table: the executor's peak RSS, peak
// RSS - H, peak RSS / H, and the container tspark asks YARN for by default. The probe
// (probe.cjs, preloaded through NODE_OPTIONS) adds each thread's heap limit and peaks.
import { spawn } from 'node:child_process';
import { createWriteStream, existsSync, readdirSync, readFileSync, renameSync, statSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { once } from 'node:events';
import { tmpdir, loadavg, cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, URL } from 'node:url';
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
    cores: { type: 'string', default: '2' },
    // extra `--conf key=value` settings for every run, e.g. --conf spark.memory.fraction=0.5
    conf: { type: 'string', multiple: true, default: [] },
    // per-thread breakdown (heaps, Buffers) through the probe.cjs preload, unless --no-probe
    'no-probe': { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  },
});
if (opts.help) {
  // the usage is this file's leading comment
  const head = readFileSync(fileURLToPath(import.meta.url), 'utf8').split('\n').slice(1);
  const usage = head.slice(0, head.findIndex((l) => !l.startsWith('//')));
  console.log(usage.map((l) => l.replace(/^\/\/ ?/, '')).join('\n'));
  process.exit(0);
}
const PROBE = fileURLToPath(new URL('probe.cjs', import.meta.url));
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
  // records of about 1 KiB generated inside the tasks (no input file): data-factor x H MiB of
  // them, sortByKey / groupByKey (about 4 values a key) into 16 partitions, checked by the app
  sort1k: { app: 'test/fixtures/apps/shuffle-memory.ts', args: (_f, mib) => ['sort', String(Math.ceil((mib * MiB) / 1000)), '1000', '16'] },
  group1k: { app: 'test/fixtures/apps/shuffle-memory.ts', args: (_f, mib) => ['group', String(Math.ceil((mib * MiB) / 1000)), '1000', '16'] },
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
  const file = w.keys ? await generate(w.keys, dataFactor * heap * MiB) : undefined;
  const inputMiB = file ? statSync(file).size / MiB : dataFactor * heap;
  const confArgs = opts.conf.flatMap((c) => ['--conf', c]);
  const args = [
    'bin/tspark-submit.js',
    '--master',
    `local-cluster[1,${opts.cores},${heap}]`,
    ...confArgs,
    w.app,
    ...w.args(file, dataFactor * heap),
  ];
  const probeDir = !opts['no-probe'] ? await mkdtemp(join(tmpdir(), 'tspark-memory-probe-')) : undefined;
  const env = probeDir
    ? {
        ...process.env,
        NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --require=${PROBE}`.trim(),
        TSPARK_MEMORY_PROBE_DIR: probeDir,
      }
    : process.env;
  const t0 = Date.now();
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'], env });
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
  const breakdown = probeDir && executor ? await readBreakdown(probeDir, executor[0]) : undefined;
  if (probeDir) await rm(probeDir, { recursive: true, force: true });
  const result = {
    heapMiB: heap,
    cores: Number(opts.cores),
    conf: opts.conf,
    workload: name,
    inputMiB: Math.round(inputMiB),
    exitCode: code,
    seconds,
    executorPeakRssMiB: Math.round(peakMiB),
    beyondHeapMiB: Math.round(peakMiB - heap),
    ratio: Number((peakMiB / heap).toFixed(2)),
    sparkDefaultOverheadMiB: Math.max(384, Math.floor(0.1 * heap)),
    // tspark's default (src/yarn/container-sizing.ts): max(384, 0.1 x H, 128 + 80 x cores)
    tsparkDefaultOverheadMiB: Math.max(384, Math.ceil(0.1 * heap), 128 + 80 * Number(opts.cores)),
    breakdown,
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

/**
 * The executor's memory by thread from the probe's samples: each thread's peaks (heap
 * committed, external memory, ArrayBuffers) and, at the sample of the highest RSS, how
 * that RSS splits into the threads' heaps, their external memory and the rest (Node,
 * code, thread stacks, allocator slack).
 */
async function readBreakdown(dir, pid) {
  const threads = [];
  for (const name of readdirSync(dir)) {
    if (!name.startsWith(`${pid}-`)) continue;
    const samples = readFileSync(join(dir, name), 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l));
    if (samples.length > 0) threads.push(samples);
  }
  if (threads.length === 0) return undefined;
  const all = threads.flat();
  const top = all.reduce((a, b) => (b.rss > a.rss ? b : a));
  const at = threads.map((samples) => {
    let best = samples[0];
    for (const s of samples) if (Math.abs(s.t - top.t) < Math.abs(best.t - top.t)) best = s;
    return best;
  });
  const mib = (b) => Math.round(b / MiB);
  const heapAtPeak = at.reduce((n, s) => n + s.heapTotal, 0);
  const externalAtPeak = at.reduce((n, s) => n + s.external, 0);
  return {
    threads: threads.map((samples) => ({
      thread: samples[0].thread,
      heapLimitMiB: mib(samples[0].heapLimit),
      peakHeapUsedMiB: mib(Math.max(...samples.map((s) => s.heapUsed))),
      peakHeapTotalMiB: mib(Math.max(...samples.map((s) => s.heapTotal))),
      peakExternalMiB: mib(Math.max(...samples.map((s) => s.external))),
      peakArrayBuffersMiB: mib(Math.max(...samples.map((s) => s.arrayBuffers))),
    })),
    atPeakRss: {
      rssMiB: mib(top.rss),
      heapsMiB: mib(heapAtPeak),
      externalMiB: mib(externalAtPeak),
      restMiB: mib(top.rss - heapAtPeak - externalAtPeak),
    },
  };
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
  '| heap (MiB) | workload | input (MiB) | peak RSS (MiB) | RSS - heap (MiB) | RSS / heap | container: heap + tspark default overhead (MiB) | headroom (MiB) | exit | seconds |',
);
console.log('|---|---|---|---|---|---|---|---|---|---|');
for (const r of results) {
  const container = r.heapMiB + r.tsparkDefaultOverheadMiB;
  console.log(
    `| ${r.heapMiB} | ${r.workload} | ${r.inputMiB} | ${r.executorPeakRssMiB} | ${r.beyondHeapMiB} | ${r.ratio} | ${container} | ${container - r.executorPeakRssMiB} | ${r.exitCode} | ${r.seconds.toFixed(0)} |`,
  );
}

console.log('\nAt the peak RSS (probe samples every 100 ms; heaps = committed V8 heaps of all threads):\n');
console.log('| heap (MiB) | workload | RSS | heaps | external (Buffers) | rest | per thread: limit / peak heap committed / peak external |');
console.log('|---|---|---|---|---|---|---|');
for (const r of results) {
  const b = r.breakdown;
  if (!b) continue;
  const per = b.threads
    .map((t) => `#${t.thread} ${t.heapLimitMiB}/${t.peakHeapTotalMiB}/${t.peakExternalMiB}`)
    .join(', ');
  console.log(
    `| ${r.heapMiB} | ${r.workload} | ${b.atPeakRss.rssMiB} | ${b.atPeakRss.heapsMiB} | ${b.atPeakRss.externalMiB} | ${b.atPeakRss.restMiB} | ${per} |`,
  );
}
