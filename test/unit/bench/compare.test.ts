import { describe, expect, it } from 'vitest';
import { checkResult, compareResults, PI_TOLERANCE, spilled } from '../../../scripts/bench/compare.js';

const counts = {
  distinct: 3,
  total: 10,
  checksum: 12345,
  top: [
    ['a', 5],
    ['b', 3],
    ['c', 2],
  ],
  jobSeconds: 1.5,
};

describe('compareResults', () => {
  it('agrees when the answers are equal, whatever the timings', () => {
    expect(compareResults('counts', counts, { ...counts, jobSeconds: 9 })).toEqual([]);
  });

  it('names each field that differs', () => {
    const problems = compareResults('counts', counts, {
      ...counts,
      checksum: 1,
      top: [
        ['a', 5],
        ['c', 3],
        ['b', 2],
      ],
    });
    expect(problems).toHaveLength(2);
    expect(problems[0]).toMatch(/'checksum' differs/);
    expect(problems[1]).toMatch(/'top' differs/);
  });

  it('treats a missing field as a difference', () => {
    const { checksum: _c, ...noChecksum } = counts;
    expect(compareResults('counts', counts, noChecksum)).toHaveLength(1);
  });

  it('compares group sums for groupByKey and count and checksum for sorts', () => {
    expect(compareResults('groups', { ...counts, sums: 1 }, { ...counts, sums: 2 })).toHaveLength(1);
    expect(
      compareResults('sorted', { count: 5, checksum: 9, spills: 1 }, { count: 5, checksum: 9, spills: 7 }),
    ).toEqual([]);
    expect(compareResults('sorted', { count: 5, checksum: 9 }, { count: 4, checksum: 9 })).toHaveLength(1);
  });
});

describe('checkResult', () => {
  it('accepts a Pi estimate within tolerance and refuses one outside', () => {
    expect(checkResult('pi', { pi: 3.1402 }, {})).toEqual([]);
    expect(checkResult('pi', { pi: Math.PI + PI_TOLERANCE * 2 }, {})).toHaveLength(1);
    expect(checkResult('pi', {}, {})).toHaveLength(1);
  });

  it('reads whether a run spilled, and nothing from a run that does not say', () => {
    expect(spilled({ spills: 3 })).toBe(true);
    expect(spilled({ spills: 0 })).toBe(false);
    expect(spilled({})).toBeUndefined();
  });

  it('refuses an unsorted output and a wrong record count', () => {
    const problems = checkResult(
      'sorted',
      { count: 9, checksum: 1, problems: ['partition 1 is not sorted'] },
      { records: 10 },
    );
    expect(problems).toHaveLength(2);
  });

  it('checks the empty-task job ran every task and counted nothing', () => {
    expect(checkResult('tasks', { tasks: 10_000, count: 0 }, { tasks: 10_000 })).toEqual([]);
    expect(checkResult('tasks', { tasks: 100, count: 1 }, { tasks: 10_000 })).toHaveLength(2);
  });

  it('checks that groups hold every record', () => {
    const groups = { ...counts, sums: 1 };
    expect(checkResult('groups', groups, { records: 10 })).toEqual([]);
    expect(checkResult('groups', groups, { records: 11 })).toHaveLength(1);
  });
});
