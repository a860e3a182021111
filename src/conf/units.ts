import { ConfigError, ExitCode } from '../errors.js';

/**
 * Size and duration strings as Spark reads them (JavaUtils.byteStringAs /
 * timeStringAs): a number with an optional unit suffix. Binary units: k = KiB,
 * m = MiB, g = GiB, t = TiB, p = PiB; the `b` suffix is optional (`512mb`).
 * A bare number takes the caller's default unit (MiB for memory flags such as
 * --executor-memory, bytes for byte-size keys).
 */
const SIZE_UNITS: Record<string, number> = {
  b: 1,
  k: 1024,
  kb: 1024,
  m: 1024 ** 2,
  mb: 1024 ** 2,
  g: 1024 ** 3,
  gb: 1024 ** 3,
  t: 1024 ** 4,
  tb: 1024 ** 4,
  p: 1024 ** 5,
  pb: 1024 ** 5,
};

export type SizeUnit = 'b' | 'k' | 'm' | 'g';

/** Parses a size string into bytes; a bare number is in `defaultUnit`. */
export function parseBytes(raw: string, defaultUnit: SizeUnit = 'b', what = 'size'): number {
  const text = String(raw).trim().toLowerCase();
  const m = /^(\d+(?:\.\d+)?)\s*([a-z]*)$/.exec(text);
  if (!m) {
    throw new ConfigError(
      'INVALID_SIZE',
      `${what} '${raw}' is not a size: use a number with an optional unit, e.g. 512m, 2g, 1024k`,
      { exitCode: ExitCode.BAD_SIZE, context: { what } },
    );
  }
  const unit = m[2] === '' ? defaultUnit : m[2]!;
  const mult = SIZE_UNITS[unit];
  if (mult === undefined) {
    throw new ConfigError(
      'INVALID_SIZE',
      `${what} '${raw}' has an unknown unit '${m[2]}': use one of b, k, m, g, t, p`,
      { exitCode: ExitCode.BAD_SIZE, context: { what } },
    );
  }
  const value = Number(m[1]) * mult;
  if (!Number.isFinite(value)) {
    throw new ConfigError('INVALID_SIZE', `${what} '${raw}' is too large: use a smaller size`, {
      exitCode: ExitCode.BAD_SIZE,
      context: { what },
    });
  }
  return Math.floor(value);
}

/** Parses a memory string (bare number = MiB, as spark-submit's memory flags) into MiB. */
export function parseMemoryMiB(raw: string, what = 'memory'): number {
  return Math.floor(parseBytes(raw, 'm', what) / 1024 ** 2);
}

/** Formats MiB the way Spark prints memory: `1408m` stays in MiB; whole GiB as `2g`. */
export function formatMiB(mib: number): string {
  return mib % 1024 === 0 && mib > 0 ? `${mib / 1024}g` : `${mib}m`;
}

const TIME_UNITS: Record<string, number> = {
  us: 0.001,
  ms: 1,
  s: 1000,
  m: 60_000,
  min: 60_000,
  h: 3_600_000,
  d: 86_400_000,
};

export type TimeUnit = 'ms' | 's';

/** Parses a duration string (`100ms`, `10s`, `5min`, `1h`) into milliseconds. */
export function parseDurationMs(raw: string, defaultUnit: TimeUnit = 'ms', what = 'duration'): number {
  const text = String(raw).trim().toLowerCase();
  const m = /^(\d+(?:\.\d+)?)\s*([a-z]*)$/.exec(text);
  if (!m) {
    throw new ConfigError(
      'INVALID_DURATION',
      `${what} '${raw}' is not a duration: use a number with a unit, e.g. 500ms, 10s, 5min, 1h`,
    );
  }
  const unit = m[2] === '' ? defaultUnit : m[2]!;
  const mult = TIME_UNITS[unit];
  if (mult === undefined) {
    throw new ConfigError(
      'INVALID_DURATION',
      `${what} '${raw}' has an unknown unit '${m[2]}': use one of us, ms, s, m/min, h, d`,
    );
  }
  return Math.round(Number(m[1]) * mult);
}
