import { describe, expect, it } from 'vitest';
import { SUITES } from '../../../scripts/bench/options.js';
import { parsePi, selectWorkloads, WORKLOADS } from '../../../scripts/bench/workloads.js';

describe('parsePi', () => {
  it('reads the line SparkPi prints, in both engines', () => {
    expect(parsePi('x\nPi is roughly 3.14159\n')).toEqual({ pi: 3.14159 });
    expect(parsePi('Pi is roughly 3.1E0')).toEqual({ pi: 3.1 });
    expect(parsePi('no pi')).toBeUndefined();
  });
});

describe('workload selection', () => {
  it('every suite selects something, ids are unique, all holds every workload', () => {
    for (const s of SUITES) expect(selectWorkloads(s).length).toBeGreaterThan(0);
    expect(new Set(WORKLOADS.map((w) => w.id)).size).toBe(WORKLOADS.length);
    expect(selectWorkloads('all')).toHaveLength(WORKLOADS.length);
    expect(selectWorkloads('local').every((w) => w.mode.startsWith('local') || w.mode === '1 thread')).toBe(
      true,
    );
    expect(selectWorkloads('yarn').every((w) => w.mode === 'yarn-cluster')).toBe(true);
  });

  it('a workload that must match another names one that exists', () => {
    for (const w of WORKLOADS)
      if (w.sameAnswerAs) expect(WORKLOADS.some((o) => o.id === w.sameAnswerAs)).toBe(true);
  });
});
