import { ConfigError } from '../errors.js';
import {
  formatMiB,
  parseBytes,
  parseDurationMs,
  parseMemoryMiB,
  type SizeUnit,
  type TimeUnit,
} from './units.js';

/**
 * A configuration key declared once: name, type, default, one line of doc.
 * The registry (registry.ts) is the single source for parsing, validation,
 * `--help` and docs/configuration.md.
 */
export interface ConfigEntry<T> {
  readonly key: string;
  readonly doc: string;
  /** How the value is written, for docs: `int`, `boolean`, `memory (MiB)`, ... */
  readonly typeName: string;
  /** The default as a user would write it, or undefined when there is none. */
  readonly defaultText: string | undefined;
  /** Where the key applies: used to group the generated docs. */
  readonly category: string;
  /** Parses a raw string. Throws ConfigError naming the key on bad input. */
  parse(raw: string): T;
  /** The typed default (may be computed from other settings by the caller when undefined). */
  readonly defaultValue: T | undefined;
}

interface EntryOptions<T> {
  key: string;
  doc: string;
  category: string;
  default?: T;
  defaultText?: string;
}

/** Prints milliseconds the way a user would write them: 3s, 2min, 1h, 250ms. */
function formatDurationMs(ms: number): string {
  if (ms > 0 && ms % 3_600_000 === 0) return `${ms / 3_600_000}h`;
  if (ms > 0 && ms % 60_000 === 0) return `${ms / 60_000}min`;
  if (ms > 0 && ms % 1000 === 0) return `${ms / 1000}s`;
  return `${ms}ms`;
}

function bad(key: string, raw: string, expected: string): ConfigError {
  return new ConfigError('INVALID_CONFIG_VALUE', `${key}=${raw} is not valid: expected ${expected}`, {
    context: { key },
  });
}

export function stringEntry(o: EntryOptions<string> & { choices?: readonly string[] }): ConfigEntry<string> {
  return {
    key: o.key,
    doc: o.doc,
    category: o.category,
    typeName: o.choices ? o.choices.join(' | ') : 'string',
    defaultText: o.defaultText ?? o.default,
    defaultValue: o.default,
    parse(raw) {
      if (o.choices && !o.choices.includes(raw)) throw bad(o.key, raw, `one of ${o.choices.join(', ')}`);
      return raw;
    },
  };
}

export function intEntry(o: EntryOptions<number> & { min?: number }): ConfigEntry<number> {
  return {
    key: o.key,
    doc: o.doc,
    category: o.category,
    typeName: 'int',
    defaultText: o.defaultText ?? (o.default === undefined ? undefined : String(o.default)),
    defaultValue: o.default,
    parse(raw) {
      const t = raw.trim();
      if (!/^-?\d+$/.test(t)) throw bad(o.key, raw, 'an integer');
      const n = Number(t);
      if (o.min !== undefined && n < o.min) throw bad(o.key, raw, `an integer >= ${o.min}`);
      return n;
    },
  };
}

export function doubleEntry(o: EntryOptions<number> & { min?: number; max?: number }): ConfigEntry<number> {
  return {
    key: o.key,
    doc: o.doc,
    category: o.category,
    typeName: 'double',
    defaultText: o.defaultText ?? (o.default === undefined ? undefined : String(o.default)),
    defaultValue: o.default,
    parse(raw) {
      const n = Number(raw.trim());
      if (raw.trim() === '' || !Number.isFinite(n)) throw bad(o.key, raw, 'a number');
      if ((o.min !== undefined && n < o.min) || (o.max !== undefined && n > o.max)) {
        throw bad(o.key, raw, `a number in [${o.min ?? '-inf'}, ${o.max ?? 'inf'}]`);
      }
      return n;
    },
  };
}

export function booleanEntry(o: EntryOptions<boolean>): ConfigEntry<boolean> {
  return {
    key: o.key,
    doc: o.doc,
    category: o.category,
    typeName: 'boolean',
    defaultText: o.defaultText ?? (o.default === undefined ? undefined : String(o.default)),
    defaultValue: o.default,
    parse(raw) {
      const t = raw.trim().toLowerCase();
      if (t === 'true') return true;
      if (t === 'false') return false;
      throw bad(o.key, raw, 'true or false');
    },
  };
}

/** Memory in MiB; a bare number is MiB, as for spark.executor.memory. */
export function memoryEntry(o: EntryOptions<number>): ConfigEntry<number> {
  return {
    key: o.key,
    doc: o.doc,
    category: o.category,
    typeName: 'memory (bare number = MiB)',
    defaultText: o.defaultText ?? (o.default === undefined ? undefined : formatMiB(o.default)),
    defaultValue: o.default,
    parse(raw) {
      return parseMemoryMiB(raw, o.key);
    },
  };
}

/** A byte size; a bare number is in `unit`. */
export function bytesEntry(o: EntryOptions<number> & { unit?: SizeUnit }): ConfigEntry<number> {
  return {
    key: o.key,
    doc: o.doc,
    category: o.category,
    typeName: `size (bare number = ${o.unit ?? 'b'})`,
    defaultText: o.defaultText ?? (o.default === undefined ? undefined : String(o.default)),
    defaultValue: o.default,
    parse(raw) {
      return parseBytes(raw, o.unit ?? 'b', o.key);
    },
  };
}

/** A duration in milliseconds; a bare number is in `unit`. */
export function durationEntry(o: EntryOptions<number> & { unit?: TimeUnit }): ConfigEntry<number> {
  return {
    key: o.key,
    doc: o.doc,
    category: o.category,
    typeName: `duration (bare number = ${o.unit ?? 'ms'})`,
    defaultText: o.defaultText ?? (o.default === undefined ? undefined : formatDurationMs(o.default)),
    defaultValue: o.default,
    parse(raw) {
      return parseDurationMs(raw, o.unit ?? 'ms', o.key);
    },
  };
}

/**
 * A family of keys sharing a prefix, such as `spark.executorEnv.<NAME>`: the
 * part after the prefix is chosen by the user. Documented, never parsed.
 */
export interface ConfigPrefix {
  readonly prefix: string;
  /** How the variable part is shown in docs, e.g. `<NAME>`. */
  readonly placeholder: string;
  readonly doc: string;
  readonly category: string;
}

export function prefixEntry(o: ConfigPrefix): ConfigPrefix {
  return { ...o };
}
