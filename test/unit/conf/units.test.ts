import { describe, expect, it } from 'vitest';
import { parseBytes, parseDurationMs, parseMemoryMiB } from '../../../src/conf/units.js';
import { ConfigError } from '../../../src/errors.js';

describe('memory strings (Spark byteStringAs semantics)', () => {
  it('reads a bare number as MiB for memory flags', () => {
    expect(parseMemoryMiB('1024')).toBe(1024);
    expect(parseMemoryMiB('385m')).toBe(385);
    expect(parseMemoryMiB('2g')).toBe(2048);
    expect(parseMemoryMiB('2G')).toBe(2048);
    expect(parseMemoryMiB('512mb')).toBe(512);
    expect(parseMemoryMiB('1048576k')).toBe(1024);
  });
  it('reads bytes with binary units', () => {
    expect(parseBytes('1k')).toBe(1024);
    expect(parseBytes('3')).toBe(3);
    expect(parseBytes('1t')).toBe(1024 ** 4);
  });
  it('rejects what does not parse, naming the value and the fix', () => {
    expect(() => parseMemoryMiB('lots', '--executor-memory')).toThrow(ConfigError);
    expect(() => parseMemoryMiB('lots', '--executor-memory')).toThrow(
      /--executor-memory 'lots' is not a size.*e\.g\. 512m/,
    );
    expect(() => parseMemoryMiB('12q')).toThrow(/unknown unit 'q'/);
    expect(() => parseMemoryMiB('-1g')).toThrow(/not a size/);
  });
});

describe('durations', () => {
  it('parses units', () => {
    expect(parseDurationMs('100ms')).toBe(100);
    expect(parseDurationMs('3s')).toBe(3000);
    expect(parseDurationMs('5min')).toBe(300_000);
    expect(parseDurationMs('2', 's')).toBe(2000);
  });
  it('rejects garbage', () => {
    expect(() => parseDurationMs('soon')).toThrow(/not a duration/);
  });
});

describe('size errors carry their own exit code', () => {
  it('uses ExitCode.BAD_SIZE', async () => {
    const { ExitCode } = await import('../../../src/errors.js');
    try {
      parseMemoryMiB('4 gigs', '--driver-memory');
      expect.unreachable();
    } catch (e) {
      expect((e as ConfigError).exitCode).toBe(ExitCode.BAD_SIZE);
      expect((e as ConfigError).code).toBe('INVALID_SIZE');
    }
  });
});
