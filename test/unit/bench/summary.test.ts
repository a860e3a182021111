import { describe, expect, it } from 'vitest';
import { addChecksum, entryHash, keyHash } from '../../../scripts/bench/checksum.js';
import {
  addToCountSummary,
  emptyCountSummary,
  mergeCountSummaries,
  parseResultLine,
  resultLine,
  sortProblems,
  TOP_N,
  type CountSummary,
} from '../../../scripts/bench/summary.js';

function counts(): [string, number][] {
  const out: [string, number][] = [];
  for (let i = 0; i < 40; i++) out.push([`w${i}`, (i * 7919) % 23]);
  out.push(['tie-b', 50], ['tie-a', 50]);
  return out;
}

function summarize(entries: [string, number][]): CountSummary {
  const s = emptyCountSummary();
  for (const [k, v] of entries) addToCountSummary(s, k, v);
  return s;
}

describe('count summaries', () => {
  it('hold distinct, total, checksum and the top entries of a plain loop', () => {
    const entries = counts();
    const s = summarize(entries);
    let total = 0;
    let checksum = 0;
    for (const [k, v] of entries) {
      total += v;
      checksum = addChecksum(checksum, entryHash(keyHash(k), v));
    }
    const top = [...entries]
      .sort((a, b) => (a[1] !== b[1] ? b[1] - a[1] : a[0] < b[0] ? -1 : 1))
      .slice(0, TOP_N);
    expect(s).toEqual({ distinct: entries.length, total, checksum, top });
    expect(s.top[0]).toEqual(['tie-a', 50]);
  });

  it('merge to the same summary as one pass, however the entries are split', () => {
    const entries = counts();
    const whole = summarize(entries);
    const parts = [entries.slice(0, 5), entries.slice(5, 5), entries.slice(5, 30), entries.slice(30)].map(
      summarize,
    );
    expect(mergeCountSummaries(parts)).toEqual(whole);
    expect(mergeCountSummaries([])).toEqual(emptyCountSummary());
  });
});

describe('sortProblems', () => {
  const part = (index: number, first: string | null, last: string | null, count: number, sorted = true) => ({
    index,
    first,
    last,
    count,
    sorted,
    checksum: 0,
  });

  it('accepts ordered partitions, empty ones anywhere, in any listing order', () => {
    expect(
      sortProblems([
        part(2, 'm', 'z', 3),
        part(0, 'a', 'c', 2),
        part(1, null, null, 0),
        part(3, null, null, 0),
      ]),
    ).toEqual([]);
  });

  it('reports an unsorted partition and overlapping ranges', () => {
    const problems = sortProblems([part(0, 'a', 'k', 5), part(1, 'j', 'z', 5), part(2, 'z', 'z', 1, false)]);
    expect(problems).toHaveLength(2);
    expect(problems[0]).toContain('partition 1');
    expect(problems[1]).toContain('partition 2 is not sorted');
  });

  it('compares keys across an empty partition in between', () => {
    expect(sortProblems([part(0, 'a', 'm', 2), part(1, null, null, 0), part(2, 'b', 'c', 2)])).toHaveLength(
      1,
    );
  });
});

describe('result lines', () => {
  it('round-trip and the last one wins among other output', () => {
    const out = `noise\n${resultLine({ a: 1 })}\nmore noise\n${resultLine({ a: 2, top: [['x', 1]] })}\n`;
    expect(parseResultLine(out)).toEqual({ a: 2, top: [['x', 1]] });
    expect(parseResultLine('nothing here\n')).toBeUndefined();
  });
});
