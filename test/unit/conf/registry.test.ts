import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { renderConfigurationMarkdown } from '../../../src/conf/config-docs.js';
import {
  ALL_ENTRIES,
  CONFIG_PREFIXES,
  compileRedactionRegex,
  Config,
  findEntry,
  REDACTED,
  redactValue,
} from '../../../src/conf/registry.js';
import { SparkConf } from '../../../src/conf/spark-conf.js';
import { ConfigError, ExitCode } from '../../../src/errors.js';

describe('configuration registry', () => {
  it('declares each key once, with Spark naming, a category and a doc line', () => {
    const keys = ALL_ENTRIES.map((e) => e.key);
    expect(new Set(keys).size).toBe(keys.length);
    for (const e of ALL_ENTRIES) {
      expect(e.key).toMatch(/^spark\.[A-Za-z0-9.-]+$/);
      expect(e.doc.length).toBeGreaterThan(10);
      expect(e.category).not.toBe('');
      expect(findEntry(e.key)).toBe(e);
    }
    for (const p of CONFIG_PREFIXES) expect(p.prefix).toMatch(/^spark\..*\.$/);
  });

  it('has defaults that parse back to the typed default', () => {
    for (const e of ALL_ENTRIES) {
      if (e.defaultValue !== undefined && e.defaultText !== undefined) {
        expect(e.parse(e.defaultText), e.key).toEqual(e.defaultValue);
      }
    }
  });

  it('reads typed values with Spark units', () => {
    const conf = new SparkConf({
      'spark.executor.memory': '2g',
      'spark.network.timeout': '90',
      'spark.locality.wait': '500ms',
      'spark.yarn.submit.waitAppCompletion': 'false',
      'spark.memory.fraction': '0.5',
    });
    expect(conf.getEntry(Config.EXECUTOR_MEMORY)).toBe(2048);
    expect(conf.getEntry(Config.DRIVER_MEMORY)).toBe(1024);
    expect(conf.getEntry(Config.NETWORK_TIMEOUT)).toBe(90_000); // bare number = seconds, as in Spark
    expect(conf.getEntry(Config.LOCALITY_WAIT)).toBe(500);
    expect(conf.getEntry(Config.YARN_WAIT_COMPLETION)).toBe(false);
    expect(conf.getEntry(Config.MEMORY_FRACTION)).toBe(0.5);
    expect(conf.getEntry(Config.YARN_MAX_APP_ATTEMPTS)).toBeUndefined();
  });

  it('rejects bad values naming the key, memory with BAD_SIZE', () => {
    const bad = new SparkConf({ 'spark.executor.cores': 'two' });
    expect(() => bad.validateKnown(ALL_ENTRIES)).toThrow(
      /spark\.executor\.cores=two is not valid: expected an integer/,
    );
    const mem = new SparkConf({ 'spark.driver.memory': 'big' });
    try {
      mem.validateKnown(ALL_ENTRIES);
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(ConfigError);
      expect((e as ConfigError).exitCode).toBe(ExitCode.BAD_SIZE);
      expect((e as Error).message).toMatch(/spark\.driver\.memory 'big' is not a size/);
    }
    expect(() => new SparkConf({ 'spark.memory.fraction': '1.5' }).validateKnown(ALL_ENTRIES)).toThrow(
      /\[0, 1\]/,
    );
    expect(() => new SparkConf({ 'spark.submit.deployMode': 'remote' }).validateKnown(ALL_ENTRIES)).toThrow(
      /one of client, cluster/,
    );
  });
});

describe('redaction', () => {
  it('redacts keys and values that look secret, as Spark does', () => {
    expect(redactValue('spark.authenticate.secret', 'abc')).toBe(REDACTED);
    expect(redactValue('spark.ssl.keyStorePassword', 'abc')).toBe(REDACTED);
    expect(redactValue('spark.hadoop.fs.s3a.access.key', 'AKIA')).toBe(REDACTED);
    expect(redactValue('spark.executorEnv.GITHUB_TOKEN', 'x')).toBe(REDACTED);
    expect(redactValue('spark.some.setting', 'mytoken=abc')).toBe(REDACTED);
    expect(redactValue('spark.executor.memory', '2g')).toBe('2g');
  });

  it('adds spark.redaction.regex (Java syntax) to the built-in pattern', () => {
    expect(compileRedactionRegex('(?i)FOO')?.test('a.foo')).toBe(true);
    expect(compileRedactionRegex('([')).toBeUndefined();
    const conf = new SparkConf({
      'spark.redaction.regex': '(?i)internal\\.url',
      'spark.my.internal.url': 'http://x',
      'spark.app.name': 'wc',
      'spark.authenticate.secret': 's3cr3t',
    });
    expect(Object.fromEntries(conf.redactedEntries())).toEqual({
      'spark.redaction.regex': '(?i)internal\\.url',
      'spark.my.internal.url': REDACTED,
      'spark.app.name': 'wc',
      'spark.authenticate.secret': REDACTED,
    });
  });
});

describe('docs/configuration.md', () => {
  it('is current with the registry (run `npm run docs:config` when this fails)', () => {
    const onDisk = readFileSync(new URL('../../../docs/configuration.md', import.meta.url), 'utf8');
    expect(onDisk).toBe(renderConfigurationMarkdown());
  });

  it('lists every key and prefix', () => {
    const md = renderConfigurationMarkdown();
    for (const e of ALL_ENTRIES) expect(md).toContain(`| \`${e.key}\` |`);
    for (const p of CONFIG_PREFIXES) expect(md).toContain(`\`${p.prefix}${p.placeholder}\``);
  });
});
