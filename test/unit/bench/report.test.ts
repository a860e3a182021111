import { describe, expect, it } from 'vitest';
import {
  DOCS_END,
  DOCS_START,
  figures,
  formatTable,
  replaceDocsSection,
  type ResultRow,
} from '../../../scripts/bench/report.js';

const row: ResultRow = {
  id: 'wordcount-local[2]',
  title: 'WordCount',
  mode: 'local[2]',
  status: 'ok',
  unit: 'MB/s',
  work: 1000,
  tspark: { wall: [12, 10, 11], job: [8, 10, 9] },
  spark: { wall: [30, 33, 31], job: [20, 18, 19] },
  problems: [],
};

describe('figures', () => {
  it('takes medians, Spark/tspark ratios and rates from job times', () => {
    const f = figures(row);
    expect(f).toMatchObject({ tsparkWall: 11, sparkWall: 31, tsparkJob: 9, sparkJob: 19 });
    expect(f.wallRatio).toBeCloseTo(31 / 11);
    expect(f.jobRatio).toBeCloseTo(19 / 9);
    expect(f.tsparkRate).toBeCloseTo(1000 / 9);
    expect(f.sparkRate).toBeCloseTo(1000 / 19);
  });
});

describe('formatTable', () => {
  it('has one line per row plus header and rule, each with the same number of cells', () => {
    const skipped: ResultRow = {
      id: 'y',
      title: 'SparkPi',
      mode: 'yarn-cluster',
      status: 'skipped',
      note: 'not yet',
      tspark: { wall: [], job: [] },
      problems: [],
    };
    const floor: ResultRow = { ...row, id: 'floor', title: 'floor', spark: undefined };
    const spilling: ResultRow = { ...row, spilled: { tspark: true, spark: false } };
    const lines = formatTable([row, floor, skipped, { ...row, status: 'failed' }, spilling]).split('\n');
    expect(lines).toHaveLength(7);
    const cells = lines.map((l) => l.split('|').length);
    expect(new Set(cells).size).toBe(1);
    expect(lines[2]).toContain('2.82x');
    expect(lines[2]).toContain('111 MB/s');
    expect(lines[3]).toMatch(/\| – \|/);
    expect(lines[4]).toContain('skipped: not yet');
    expect(lines[5]).toContain('FAILED');
    expect(lines[6]).toMatch(/\| yes \/ no \|$/);
  });
});

describe('replaceDocsSection', () => {
  it('replaces only the text between the markers', () => {
    const doc = `# B\n\nintro\n\n${DOCS_START}\nold table\n${DOCS_END}\n\n## After\nkept\n`;
    const out = replaceDocsSection(doc, 'new table');
    expect(out).toBe(`# B\n\nintro\n\n${DOCS_START}\nnew table\n${DOCS_END}\n\n## After\nkept\n`);
  });

  it('appends the markers and section when the document has none', () => {
    expect(replaceDocsSection('# B\nlocal figures\n', 'table')).toBe(
      `# B\nlocal figures\n\n${DOCS_START}\ntable\n${DOCS_END}\n`,
    );
  });
});
