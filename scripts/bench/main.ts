// `npm run bench -- <suite> [options]`: tspark against real Apache Spark on this
// machine, the same programs over the same generated inputs, alternating the two
// engines over several repetitions. Prints the table, writes it as JSON under
// bench-results/, and replaces the results section of docs/benchmarks.md with
// --write-docs. Exits non-zero when a run fails or the engines disagree.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem, availableParallelism } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { checkResult, compareResults, spilled } from './compare.js';
import { ensureInputs } from './datagen.js';
import { parseBenchArgs, type BenchOptions } from './options.js';
import { formatTable, replaceDocsSection, TABLE_LEGEND, type EngineRuns, type ResultRow } from './report.js';
import { runTimed } from './runner.js';
import { checkJava, ensureBenchJar, ensureSpark, tsparkCacheRoot } from './spark-install.js';
import { parseAnswer, selectWorkloads, type BenchContext, type Engine, type Workload } from './workloads.js';
import { findTestCluster, PHASE_NAMES } from './yarn.js';
import { median } from './stats.js';

const RUN_TIMEOUT_MS = 60 * 60 * 1000;
const SEED = 20_260_101;

function log(line: string): void {
  process.stderr.write(`[bench] ${line}\n`);
}

/** The repository root: this file runs as dist/scripts/bench.mjs. */
function findRepoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 4; i++) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg) && (JSON.parse(readFileSync(pkg, 'utf8')) as { name?: string }).name === 'tspark')
      return dir;
    dir = dirname(dir);
  }
  throw new Error(
    'cannot find the tspark repository root above the benchmark script; run it with `npm run bench -- <suite>`',
  );
}

function machine(javaVersion: string | undefined, options: BenchOptions) {
  return {
    date: new Date().toISOString(),
    nproc: availableParallelism(),
    cpu: cpus()[0]?.model ?? 'unknown',
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    loadAverageAtStart: loadavg().map((l) => Number(l.toFixed(2))),
    node: process.version,
    java: javaVersion,
    spark: options.tsparkOnly ? undefined : options.sparkVersion,
  };
}

async function bundleFloor(repoRoot: string, outDir: string): Promise<string> {
  const outfile = join(outDir, 'word-count-floor.mjs');
  await build({
    entryPoints: [join(repoRoot, 'scripts', 'bench', 'apps', 'word-count-floor.ts')],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    outfile,
    logLevel: 'warning',
  });
  return outfile;
}

interface RowState {
  workload: Workload;
  runs: Record<Engine, EngineRuns>;
  answers: Partial<Record<Engine, Record<string, unknown>>>;
  problems: string[];
  /** Per engine: spilled in every run so far (undefined until a run reports it). */
  spilled: Partial<Record<Engine, boolean>>;
  /** tspark's phases per run (ms since the CLI started), when the workload reports them. */
  phases: Record<string, number>[];
  failed: boolean;
}

async function runOnce(
  ctx: BenchContext,
  state: RowState,
  engine: Engine,
  rep: number,
  logDir: string,
): Promise<void> {
  const w = state.workload;
  const cmd = w.commands(ctx)[engine];
  if (!cmd) return;
  const logFile = join(logDir, `${w.id.replace(/[^\w.-]+/g, '_')}-${engine}-${rep + 1}.log`);
  const run = await runTimed(cmd, { cwd: ctx.repoRoot, logFile, timeoutMs: RUN_TIMEOUT_MS });
  const label = `${w.id} ${engine} #${rep + 1}`;
  if (run.exitCode !== 0) {
    state.failed = true;
    state.problems.push(
      `${engine} run ${rep + 1} exited with ${run.exitCode ?? run.signal} (log: ${logFile})`,
    );
    log(
      `${label}: FAILED (exit ${run.exitCode ?? run.signal}), log ${logFile}\n${run.stderrTail.split('\n').slice(-15).join('\n')}`,
    );
    return;
  }
  let answer: Record<string, unknown> | undefined;
  try {
    answer = w.answerFrom
      ? await w.answerFrom(ctx, { stdout: run.stdout, logFile, startedAtMs: run.startedAtMs })
      : parseAnswer(w, run.stdout);
  } catch (e) {
    log(`${label}: reading the answer failed: ${(e as Error).message}`);
  }
  if (engine === 'tspark' && w.tsparkPhases) {
    try {
      const phases = await w.tsparkPhases(ctx, { stdout: run.stdout, logFile, startedAtMs: run.startedAtMs });
      if (phases) state.phases.push(phases);
      else log(`${label}: no submission timeline in its log`);
    } catch (e) {
      log(`${label}: reading its phases failed: ${(e as Error).message}`);
    }
  }
  if (!answer) {
    state.failed = true;
    state.problems.push(`${engine} run ${rep + 1} printed no result (log: ${logFile})`);
    log(`${label}: no result line in its output, log ${logFile}`);
    return;
  }
  state.runs[engine].wall.push(run.wallSeconds);
  if (typeof answer.jobSeconds === 'number') state.runs[engine].job.push(answer.jobSeconds);
  const own = checkResult(w.answer, answer, w.expect?.(ctx) ?? {});
  const reference = state.answers.tspark ?? state.answers.spark;
  const disagreements = reference ? compareResults(w.answer, answer, reference) : [];
  for (const p of [...own, ...disagreements]) state.problems.push(`${engine} run ${rep + 1}: ${p}`);
  if (own.length + disagreements.length > 0) state.failed = true;
  state.answers[engine] ??= answer;
  const didSpill = spilled(answer);
  if (w.spills && didSpill !== undefined) state.spilled[engine] = (state.spilled[engine] ?? true) && didSpill;
  const job = typeof answer.jobSeconds === 'number' ? `, job ${answer.jobSeconds.toFixed(2)} s` : '';
  log(
    `${label}: wall ${run.wallSeconds.toFixed(2)} s${job}${own.length + disagreements.length > 0 ? ' — ANSWER PROBLEM' : ''}`,
  );
}

async function main(): Promise<number> {
  let options: BenchOptions;
  try {
    options = parseBenchArgs(process.argv.slice(2));
  } catch (e) {
    const err = e as { code?: string; exitCode?: number };
    if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version') return 0;
    return 2;
  }
  const repoRoot = findRepoRoot();
  const resultsDir = join(repoRoot, 'bench-results');
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const logDir = join(resultsDir, 'logs', stamp);
  mkdirSync(logDir, { recursive: true });

  const selected = selectWorkloads(options.suite);
  const runnable: Workload[] = [];
  const skipped: ResultRow[] = [];
  // Availability is decided before anything is installed or generated.
  const yarn = selected.some((w) => w.mode === 'yarn-cluster')
    ? findTestCluster(repoRoot, process.env)
    : undefined;
  const probe = { repoRoot, node: process.execPath, options, yarn } as BenchContext;
  for (const w of selected) {
    const reason = w.unavailable?.(probe);
    if (reason)
      skipped.push({
        id: w.id,
        title: w.title,
        mode: w.mode,
        status: 'skipped',
        note: reason,
        tspark: { wall: [], job: [] },
        problems: [],
      });
    else runnable.push(w);
  }

  const java = options.tsparkOnly ? undefined : checkJava();
  const spark = options.tsparkOnly
    ? undefined
    : (() => {
        const install = ensureSpark(options.sparkVersion, process.env, log);
        return { install, jar: ensureBenchJar(install, join(repoRoot, 'scripts', 'bench', 'spark'), log) };
      })();
  const need = { text: false, sort: false, skew: false };
  for (const w of runnable) {
    need.text ||= Boolean(w.inputs.text);
    need.sort ||= Boolean(w.inputs.sort);
    need.skew ||= Boolean(w.inputs.skew);
  }
  const dataDir = resolve(options.dataDir ?? join(tsparkCacheRoot(process.env), 'bench-data'));
  const inputs = await ensureInputs(
    dataDir,
    { textBytes: options.size, records: options.records, seed: SEED, need },
    log,
  );
  const floorScript = await bundleFloor(repoRoot, join(resultsDir, '.build'));
  const ctx: BenchContext = {
    repoRoot,
    node: process.execPath,
    options,
    inputs,
    spark,
    floorScript,
    ...(yarn ? { yarn } : {}),
    ...(java ? { javaHome: java.home } : {}),
  };
  const info = machine(java?.version, options);
  const prepared: Workload[] = [];
  for (const w of runnable) {
    const reason = await w.prepare?.(ctx, log);
    if (!reason) {
      prepared.push(w);
      continue;
    }
    log(`${w.id}: skipped: ${reason}`);
    skipped.push({
      id: w.id,
      title: w.title,
      mode: w.mode,
      status: 'skipped',
      note: reason,
      tspark: { wall: [], job: [] },
      problems: [],
    });
  }

  const states: RowState[] = prepared.map((workload) => ({
    workload,
    runs: { tspark: { wall: [], job: [] }, spark: { wall: [], job: [] } },
    answers: {},
    problems: [],
    spilled: {},
    phases: [],
    failed: false,
  }));
  for (const state of states) {
    if (!state.workload.warmUp) continue;
    for (const [engine, cmd] of Object.entries(state.workload.commands(ctx))) {
      const logFile = join(logDir, `${state.workload.id.replace(/[^\w.-]+/g, '_')}-${engine}-warm-up.log`);
      const run = await runTimed(cmd, { cwd: repoRoot, logFile, timeoutMs: RUN_TIMEOUT_MS });
      log(
        `${state.workload.id} ${engine} warm-up (untimed): exit ${run.exitCode ?? run.signal}, ${run.wallSeconds.toFixed(2)} s`,
      );
    }
  }
  for (let rep = 0; rep < options.reps; rep++) {
    for (const state of states) {
      // Alternate which engine goes first, so neither always meets a warmer page cache.
      const order: Engine[] = rep % 2 === 0 ? ['tspark', 'spark'] : ['spark', 'tspark'];
      for (const engine of order) await runOnce(ctx, state, engine, rep, logDir);
    }
  }
  for (const state of states) {
    const ref =
      state.workload.sameAnswerAs && states.find((s) => s.workload.id === state.workload.sameAnswerAs);
    const mine = state.answers.tspark;
    const theirs = ref ? (ref.answers.tspark ?? ref.answers.spark) : undefined;
    if (mine && theirs) {
      const diff = compareResults(state.workload.answer, mine, theirs);
      for (const p of diff) state.problems.push(`differs from ${state.workload.sameAnswerAs}: ${p}`);
      if (diff.length > 0) state.failed = true;
    }
  }

  const rows: ResultRow[] = [
    ...states.map((s): ResultRow => {
      const work = s.workload.work?.(ctx);
      const hasSpark = Boolean(s.workload.commands(ctx).spark);
      const { jobSeconds: _job, ...answer } = s.answers.tspark ?? s.answers.spark ?? {};
      return {
        id: s.workload.id,
        title: s.workload.title,
        mode: s.workload.mode,
        status: s.failed ? 'failed' : 'ok',
        ...(work ? { unit: work.unit, work: work.amount } : {}),
        tspark: s.runs.tspark,
        ...(hasSpark ? { spark: s.runs.spark } : {}),
        problems: s.problems,
        ...(s.workload.spills ? { spilled: s.spilled, warnings: spillWarnings(s) } : {}),
        ...(s.phases.length > 0 ? { tsparkPhases: medianPhases(s.phases) } : {}),
        answer,
      };
    }),
    ...skipped,
  ];
  const table = formatTable(rows);
  const report = {
    machine: { ...info, loadAverageAtEnd: loadavg().map((l) => Number(l.toFixed(2))) },
    label: options.label,
    suite: options.suite,
    reps: options.reps,
    inputs: { textBytes: inputs.sizes.text, records: options.records, tasks: options.tasks, seed: SEED },
    settings: {
      spillDriverMemory: options.spillDriverMemory,
      spillMemoryFraction: options.spillMemoryFraction,
    },
    rows,
  };
  const jsonFile = join(resultsDir, `bench-${stamp}.json`);
  writeFileSync(jsonFile, JSON.stringify(report, null, 2) + '\n');
  writeFileSync(join(resultsDir, 'latest.json'), JSON.stringify(report, null, 2) + '\n');

  process.stdout.write(`\n${table}\n\n${TABLE_LEGEND}\n`);
  process.stdout.write(`results: ${jsonFile}\nlogs: ${logDir}\n`);
  for (const r of rows) for (const w of r.warnings ?? []) process.stdout.write(`warning: ${r.id}: ${w}\n`);
  for (const r of rows) if (r.tsparkPhases) process.stdout.write(`${r.id}: ${phasesLine(r.tsparkPhases)}\n`);
  const failed = rows.filter((r) => r.status === 'failed');
  for (const r of failed) process.stdout.write(`\nFAILED ${r.id}:\n  ${r.problems.join('\n  ')}\n`);

  if (options.writeDocs) {
    const docsFile = join(repoRoot, 'docs', 'benchmarks.md');
    const doc = existsSync(docsFile) ? readFileSync(docsFile, 'utf8') : '# Benchmarks\n';
    writeFileSync(docsFile, replaceDocsSection(doc, docsSection(report, table)));
    log(`updated ${docsFile}`);
  }
  if (failed.length > 0) {
    process.stdout.write(
      `\n${failed.length} workload(s) FAILED: a run failed or the engines disagree (see above)\n`,
    );
    return 1;
  }
  return 0;
}

/** Median of each phase over the runs that reported it (ms since the CLI started). */
function medianPhases(runs: Record<string, number>[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const name of new Set(runs.flatMap((r) => Object.keys(r))))
    out[name] = Math.round(median(runs.map((r) => r[name] ?? NaN).filter(Number.isFinite)));
  return out;
}

function spillWarnings(s: RowState): string[] {
  return (['tspark', 'spark'] as const)
    .filter((e) => s.spilled[e] === false)
    .map(
      (e) =>
        `${e === 'spark' ? 'Spark' : 'tspark'} did not spill in every run: the memory limit did not bind at this size ` +
        '(lower --spill-memory-fraction or raise --records)',
    );
}

/** `client started 0.21 s, new application 0.35 s, ...`: tspark's phases in time order. */
function phasesLine(phases: Record<string, number>): string {
  const parts = Object.entries(phases)
    .filter(([name]) => name !== 'start')
    .sort((a, b) => a[1] - b[1])
    .map(([name, ms]) => `${PHASE_NAMES[name] ?? name} ${(ms / 1000).toFixed(2)}`);
  return `tspark phases (median s since the CLI process started): ${parts.join(', ')}`;
}

function docsSection(
  report: {
    rows: ResultRow[];
    machine: ReturnType<typeof machine> & { loadAverageAtEnd: number[] };
    label?: string | undefined;
    reps: number;
    inputs: { textBytes: number; records: number; tasks: number };
  },
  table: string,
): string {
  const m = report.machine;
  const mib = (report.inputs.textBytes / 2 ** 20).toFixed(0);
  return [
    `### Run of ${m.date.slice(0, 16).replace('T', ' ')} UTC${report.label ? ` — ${report.label}` : ''}`,
    '',
    `Machine: ${m.nproc} cores (\`nproc\`), ${m.cpu}, ${m.memoryGiB} GiB; load average ${m.loadAverageAtStart.join(' / ')} at start, ` +
      `${m.loadAverageAtEnd.join(' / ')} at end. Node ${m.node}, ${m.java ?? 'no Java'}, Spark ${m.spark ?? '(not run)'} from PyPI's pyspark.`,
    `Inputs: ${mib} MiB of text, ${report.inputs.records.toLocaleString('en-US')} records, ${report.inputs.tasks.toLocaleString('en-US')} empty tasks; ${report.reps} repetitions per engine.`,
    '',
    table,
    '',
    TABLE_LEGEND,
    ...report.rows.flatMap((r) => (r.warnings ?? []).map((w) => `\n- ${r.title} (${r.mode}): ${w}`)),
    ...report.rows.flatMap((r) =>
      r.tsparkPhases ? [`\n- ${r.title} (${r.mode}): ${phasesLine(r.tsparkPhases)}`] : [],
    ),
  ].join('\n');
}

try {
  process.exitCode = await main();
} catch (e) {
  // Setup failures (no Java, pip or cluster trouble) are the user's to fix: the message, not a stack.
  log(`Error: ${(e as Error).message}`);
  process.exitCode = 1;
}
