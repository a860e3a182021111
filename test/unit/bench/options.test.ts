import { describe, expect, it } from 'vitest';
import {
  DEFAULT_SPARK_VERSION,
  parseBenchArgs,
  parseCount,
  parseSize,
} from '../../../scripts/bench/options.js';

describe('parseSize', () => {
  it.each([
    ['64m', 64 * 1024 * 1024],
    ['1g', 1024 ** 3],
    ['1G', 1024 ** 3],
    ['256MiB', 256 * 1024 * 1024],
    ['512mb', 512 * 1024 * 1024],
    ['1.5g', 1.5 * 1024 ** 3],
    ['4096', 4096],
    ['10k', 10 * 1024],
  ])('%s', (text, bytes) => {
    expect(parseSize(text)).toBe(bytes);
  });

  it.each(['', 'big', '-1m', '0', '1x'])('refuses %j', (text) => {
    expect(() => parseSize(text)).toThrow(/size/);
  });
});

describe('parseCount', () => {
  it.each([
    ['10m', 10_000_000],
    ['500k', 500_000],
    ['10_000_000', 10_000_000],
    ['1234', 1234],
  ])('%s', (text, n) => {
    expect(parseCount(text)).toBe(n);
  });

  it('refuses what is not a count', () => {
    expect(() => parseCount('ten')).toThrow(/count/);
    expect(() => parseCount('0')).toThrow(/at least 1/);
  });
});

describe('parseBenchArgs', () => {
  it('defaults to the full sizes of the issue', () => {
    const o = parseBenchArgs(['local']);
    expect(o).toMatchObject({
      suite: 'local',
      size: 1024 ** 3,
      records: 10_000_000,
      tasks: 10_000,
      reps: 3,
      sparkVersion: DEFAULT_SPARK_VERSION,
      writeDocs: false,
      tsparkOnly: false,
    });
  });

  it('reads the options', () => {
    const o = parseBenchArgs([
      'sort',
      '--size',
      '64m',
      '--records',
      '1m',
      '--reps',
      '1',
      '--write-docs',
      '--label',
      'smoke',
      '--spill-memory-fraction',
      '0.1',
    ]);
    expect(o).toMatchObject({
      suite: 'sort',
      size: 64 * 2 ** 20,
      records: 1_000_000,
      reps: 1,
      writeDocs: true,
      label: 'smoke',
      spillMemoryFraction: 0.1,
    });
  });

  it('refuses an unknown suite and a bad repetition count', () => {
    const quiet = { stderr: process.stderr.write };
    process.stderr.write = () => true;
    try {
      expect(() => parseBenchArgs(['everything'])).toThrow(/unknown suite/);
      expect(() => parseBenchArgs(['local', '--reps', '0'])).toThrow(/positive integer/);
    } finally {
      process.stderr.write = quiet.stderr;
    }
  });
});
