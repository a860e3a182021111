import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatProperties, parseProperties, readSparkPropertiesFile } from '../../../src/conf/properties.js';
import { ConfigError, ExitCode } from '../../../src/errors.js';
import { tempDir } from '../../support/temp-dir.js';

const asObject = (text: string): Record<string, string> => Object.fromEntries(parseProperties(text));

// The cases below are the examples and rules of the java.util.Properties#load(Reader) javadoc.
describe('Java .properties reading (java.util.Properties.load rules)', () => {
  it('accepts =, : and whitespace as separators, with whitespace around them', () => {
    for (const line of [
      'Truth = Beauty',
      '  Truth:Beauty',
      'Truth                    :Beauty',
      'Truth Beauty',
      'Truth\tBeauty',
      'Truth\f=\fBeauty',
    ]) {
      expect(asObject(line)).toEqual({ Truth: 'Beauty' });
    }
  });

  it('joins continuation lines and drops the leading whitespace of each continuation', () => {
    const text = [
      'fruits                           apple, banana, pear, \\',
      '                                  cantaloupe, watermelon, \\',
      '                                  kiwi, mango',
    ].join('\n');
    expect(asObject(text)).toEqual({ fruits: 'apple, banana, pear, cantaloupe, watermelon, kiwi, mango' });
  });

  it('reads a key alone as an empty value', () => {
    expect(asObject('cheeses')).toEqual({ cheeses: '' });
    expect(asObject('cheeses=')).toEqual({ cheeses: '' });
  });

  it('lets escaped separators and whitespace be part of the key', () => {
    expect(asObject('\\:\\=')).toEqual({ ':=': '' });
    expect(asObject('a\\ b\\:c = v')).toEqual({ 'a b:c': 'v' });
  });

  it('takes only the first separator; later = and : belong to the value', () => {
    expect(asObject('key=a=b:c')).toEqual({ key: 'a=b:c' });
    expect(asObject('key : = value')).toEqual({ key: '= value' });
    expect(asObject('spark.driver.extraJavaOptions=-Dx=y -Dz=w')).toEqual({
      'spark.driver.extraJavaOptions': '-Dx=y -Dz=w',
    });
  });

  it('ignores # and ! comments and blank lines; a comment never continues', () => {
    const text = ['# a comment \\', 'a=1', '   ! another', '', '   \t ', 'b=2'].join('\n');
    expect(asObject(text)).toEqual({ a: '1', b: '2' });
  });

  it('does not treat a continuation line starting with # as a comment', () => {
    expect(asObject('key=a\\\n   #not-a-comment')).toEqual({ key: 'a#not-a-comment' });
  });

  it('continues only on an odd number of trailing backslashes', () => {
    expect(asObject('a=x\\\\\nb=y')).toEqual({ a: 'x\\', b: 'y' });
    expect(asObject('a=x\\\\\\\nb=y')).toEqual({ a: 'x\\b=y' });
  });

  it('treats \\r, \\n and \\r\\n as line terminators, also inside continuations', () => {
    expect(asObject('a=1\rb=2\r\nc=3\n')).toEqual({ a: '1', b: '2', c: '3' });
    expect(asObject('a=x\\\r\n  y\r\nb=z')).toEqual({ a: 'xy', b: 'z' });
  });

  it('decodes \\uXXXX, \\t \\n \\r \\f, and drops a backslash before any other character', () => {
    expect(asObject('k\\u00e9y=caf\\u00E9')).toEqual({ kéy: 'café' });
    expect(asObject('t=a\\tb\\nc\\rd\\fe')).toEqual({ t: 'a\tb\nc\rd\fe' });
    expect(asObject('z=\\z\\"\\\'')).toEqual({ z: 'z"\'' });
    expect(asObject('path=C:\\\\temp')).toEqual({ path: 'C:\\temp' });
  });

  it('rejects a malformed \\u escape with file and line', () => {
    expect(() => parseProperties('a=1\nb=\\u12G4', 'x.conf')).toThrow(ConfigError);
    expect(() => parseProperties('a=1\nb=\\u12G4', 'x.conf')).toThrow(/x\.conf:2: malformed \\uXXXX escape/);
    expect(() => parseProperties('b=\\u12', 'x.conf')).toThrow(/malformed/);
  });

  it('drops a trailing backslash on the last line', () => {
    expect(asObject('a=b\\')).toEqual({ a: 'b' });
  });

  it('lets the last of duplicate keys win', () => {
    expect(asObject('a=1\na=2')).toEqual({ a: '2' });
  });

  it('keeps trailing whitespace of values (Properties does; Spark trims later)', () => {
    expect(asObject('a=1  ')).toEqual({ a: '1  ' });
  });
});

describe('Java .properties writing (Properties.store escaping)', () => {
  it('escapes spaces in keys, a leading space in values, separators, comment chars and controls', () => {
    const text = formatProperties([
      ['a b', '  c d'],
      ['x=y:z', '#!=:'],
      ['t', 'tab\there\nnl'],
    ]);
    expect(text).toBe(['a\\ b=\\  c d', 't=tab\\there\\nnl', 'x\\=y\\:z=\\#\\!\\=\\:', ''].join('\n'));
  });

  it('writes non-ASCII as \\uXXXX escapes (UTF-16 units)', () => {
    expect(formatProperties([['k', 'é😀']])).toBe('k=\\u00E9\\uD83D\\uDE00\n');
  });

  it('round-trips awkward keys and values', () => {
    const pairs: [string, string][] = [
      ['spark.app.name', ' leading and trailing '],
      ['weird key=:#!', 'value\\with\\backslashes\\'],
      ['unicode.ключ', 'значение ✓ 😀'],
      ['empty', ''],
      ['multi', 'line1\nline2\r\nline3'],
      ['spark.driver.extraJavaOptions', '-Da=b -Dc=d'],
    ];
    const back = parseProperties(formatProperties(pairs, 'written by a test\nsecond line'));
    expect(Object.fromEntries(back)).toEqual(Object.fromEntries(pairs));
  });
});

describe('Spark properties files', () => {
  it('trims values like Spark and reports a missing file with its own exit code', () => {
    const dir = tempDir('tspark-props-');
    const file = join(dir, 'spark-defaults.conf');
    writeFileSync(file, 'spark.executor.memory   2g   \nspark.master  yarn\n');
    expect(readSparkPropertiesFile(file)).toEqual([
      ['spark.executor.memory', '2g'],
      ['spark.master', 'yarn'],
    ]);
    try {
      readSparkPropertiesFile(join(dir, 'nope.conf'));
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(ConfigError);
      expect((e as ConfigError).exitCode).toBe(ExitCode.PROPERTIES_FILE_NOT_FOUND);
      expect((e as Error).message).toMatch(/nope\.conf does not exist/);
    }
  });
});
