// The results table: one row per workload, medians of both engines, ratios and
// rates; printed, written as JSON, and (on request) put into docs/benchmarks.md.
import { median, rate, speedRatio } from './stats.js';

export interface EngineRuns {
  /** Wall time of each run: process start to exit. */
  wall: number[];
  /** The program's own time for its job(s), when it reports one. */
  job: number[];
}

export interface ResultRow {
  id: string;
  title: string;
  mode: string;
  /** 'ok', 'failed' (a run failed or the answers disagree), or 'skipped' (not available yet). */
  status: 'ok' | 'failed' | 'skipped';
  note?: string;
  unit?: 'MB/s' | 'tasks/s';
  work?: number;
  tspark: EngineRuns;
  spark?: EngineRuns;
  problems: string[];
  /** Not failures: e.g. an engine that did not spill where the limit was meant to force it. */
  warnings?: string[];
  /** Median ms since the CLI started of each phase tspark reports (yarn-cluster submission). */
  tsparkPhases?: Record<string, number>;
  /** For the spill workloads: whether each engine spilled in every run. */
  spilled?: { tspark?: boolean; spark?: boolean };
  /** One engine's answer, as reported (both agreed when status is ok). */
  answer?: Record<string, unknown>;
}

export interface RowFigures {
  tsparkWall: number;
  sparkWall: number;
  wallRatio: number;
  tsparkJob: number;
  sparkJob: number;
  jobRatio: number;
  /** Rates from the job times (the work itself, start-up excluded). */
  tsparkRate: number;
  sparkRate: number;
}

export function figures(row: ResultRow): RowFigures {
  const tsparkWall = median(row.tspark.wall);
  const sparkWall = row.spark ? median(row.spark.wall) : NaN;
  const tsparkJob = median(row.tspark.job);
  const sparkJob = row.spark ? median(row.spark.job) : NaN;
  const work = row.work ?? NaN;
  return {
    tsparkWall,
    sparkWall,
    wallRatio: speedRatio(tsparkWall, sparkWall),
    tsparkJob,
    sparkJob,
    jobRatio: speedRatio(tsparkJob, sparkJob),
    tsparkRate: rate(work, tsparkJob),
    sparkRate: rate(work, sparkJob),
  };
}

function seconds(s: number): string {
  return Number.isFinite(s) ? s.toFixed(s < 10 ? 2 : 1) : '–';
}

function ratio(r: number): string {
  return Number.isFinite(r) ? `${r.toFixed(2)}x` : '–';
}

function rateText(r: number, unit: string | undefined): string {
  if (!unit || !Number.isFinite(r)) return '–';
  return `${r >= 100 ? Math.round(r).toLocaleString('en-US') : r.toFixed(1)} ${unit}`;
}

export const TABLE_LEGEND =
  'ratio = Spark time / tspark time (above 1: tspark faster). wall = process start to exit (CLI and JVM/Node start-up included); ' +
  "job = the program's own timing of its job; rates use job times. Medians over the repetitions. " +
  'The floor row is plain Node (no engine), shown in the tspark columns.';

function yesNo(b: boolean | undefined): string {
  return b === undefined ? '–' : b ? 'yes' : 'no';
}

/** A Markdown table of the rows. */
export function formatTable(rows: readonly ResultRow[]): string {
  const header = [
    'workload',
    'mode',
    'tspark wall s',
    'Spark wall s',
    'ratio (wall)',
    'tspark job s',
    'Spark job s',
    'ratio (job)',
    'tspark rate',
    'Spark rate',
    'spilled (tspark / Spark)',
  ];
  const lines = [header, header.map(() => '---')];
  for (const row of rows) {
    if (row.status === 'skipped') {
      lines.push([row.title, row.mode, `skipped: ${row.note ?? ''}`, ...header.slice(3).map(() => '')]);
      continue;
    }
    const f = figures(row);
    const title = row.status === 'failed' ? `${row.title} **FAILED**` : row.title;
    lines.push([
      title,
      row.mode,
      seconds(f.tsparkWall),
      seconds(f.sparkWall),
      ratio(f.wallRatio),
      seconds(f.tsparkJob),
      seconds(f.sparkJob),
      ratio(f.jobRatio),
      rateText(f.tsparkRate, row.unit),
      rateText(f.sparkRate, row.unit),
      row.spilled ? `${yesNo(row.spilled.tspark)} / ${yesNo(row.spilled.spark)}` : '',
    ]);
  }
  return lines.map((cells) => `| ${cells.join(' | ')} |`).join('\n');
}

export const DOCS_START = '<!-- bench:results:start -->';
export const DOCS_END = '<!-- bench:results:end -->';

/** Replaces the text between the markers (kept) with `section`, or appends markers and section. */
export function replaceDocsSection(doc: string, section: string): string {
  const start = doc.indexOf(DOCS_START);
  const end = doc.indexOf(DOCS_END);
  const block = `${DOCS_START}\n${section.trim()}\n${DOCS_END}`;
  if (start >= 0 && end > start) return doc.slice(0, start) + block + doc.slice(end + DOCS_END.length);
  return `${doc.trimEnd()}\n\n${block}\n`;
}
