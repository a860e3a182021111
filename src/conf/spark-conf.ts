import { ConfigError } from '../errors.js';
import type { ConfigEntry } from './config-entry.js';
import { compileRedactionRegex, redactValue } from './registry.js';

/**
 * Key/value configuration of one application, as Spark's SparkConf: string
 * values, typed reads through registry entries. Values are parsed on read so
 * a bad value is reported with its key wherever it is first used; the planner
 * validates every known key once up front.
 */
export class SparkConf {
  private readonly values = new Map<string, string>();

  constructor(entries?: Iterable<readonly [string, string]> | Record<string, string>) {
    if (entries) {
      const it =
        Symbol.iterator in entries
          ? (entries as Iterable<readonly [string, string]>)
          : Object.entries(entries);
      for (const [k, v] of it) this.values.set(k, v);
    }
  }

  set(key: string, value: string): this {
    this.values.set(key, value);
    return this;
  }

  setIfMissing(key: string, value: string): this {
    if (!this.values.has(key)) this.values.set(key, value);
    return this;
  }

  remove(key: string): this {
    this.values.delete(key);
    return this;
  }

  has(key: string): boolean {
    return this.values.has(key);
  }

  get(key: string): string | undefined {
    return this.values.get(key);
  }

  /** The typed value of a registry entry: the set value parsed, else its default. */
  getEntry<T>(entry: ConfigEntry<T>): T | undefined {
    const raw = this.values.get(entry.key);
    return raw === undefined ? entry.defaultValue : entry.parse(raw);
  }

  /** Like getEntry, for entries the caller knows to have a default. */
  require<T>(entry: ConfigEntry<T>): T {
    const v = this.getEntry(entry);
    if (v === undefined) {
      throw new ConfigError(
        'CONFIG_MISSING',
        `configuration ${entry.key} has no value and no default: set it with --conf ${entry.key}=...`,
        {
          context: { key: entry.key },
        },
      );
    }
    return v;
  }

  /** All entries, sorted by key. */
  entries(): [string, string][] {
    return [...this.values.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  }

  /** All entries with secret-looking values replaced, for printing. */
  redactedEntries(): [string, string][] {
    const extra = compileRedactionRegex(this.values.get('spark.redaction.regex'));
    return this.entries().map(([k, v]) => [k, redactValue(k, v, extra)]);
  }

  toObject(): Record<string, string> {
    return Object.fromEntries(this.entries());
  }

  /**
   * Parses every key of the registry that is set, so a bad value is reported
   * (with its key) before anything starts. Throws the first ConfigError.
   */
  validateKnown(entries: readonly ConfigEntry<unknown>[]): void {
    for (const e of entries) {
      const raw = this.values.get(e.key);
      if (raw !== undefined) e.parse(raw);
    }
  }

  clone(): SparkConf {
    return new SparkConf(this.values);
  }
}
