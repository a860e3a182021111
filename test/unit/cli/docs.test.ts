import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { SUBMIT_OPTIONS } from '../../../src/cli/submit-options.js';
import { ExitCode } from '../../../src/errors.js';

const doc = (name: string): string => readFileSync(new URL(`../../../docs/${name}`, import.meta.url), 'utf8');

describe('docs agree with the code', () => {
  it('docs/exit-codes.md lists exactly the ExitCode constants (add a row when you add a code)', () => {
    const rows = [...doc('exit-codes.md').matchAll(/^\|\s*(\d+)\s*\|\s*`([A-Z_]+)`\s*\|/gm)].map((m) => [
      m[2],
      Number(m[1]),
    ]);
    expect(Object.fromEntries(rows)).toEqual({ ...ExitCode });
    expect(rows.length).toBe(Object.keys(ExitCode).length);
  });

  it('docs/cli.md documents every flag of the option table', () => {
    const cli = doc('cli.md');
    for (const o of SUBMIT_OPTIONS) {
      const long = /--[a-z-]+/.exec(o.flags)![0];
      expect(cli, long).toContain('`' + long);
    }
  });
});

describe('conf/spark-defaults.conf.template', () => {
  it('holds only commented, valid examples of registry keys', async () => {
    const { parseProperties } = await import('../../../src/conf/properties.js');
    const { findEntry, CONFIG_PREFIXES } = await import('../../../src/conf/registry.js');
    const text = readFileSync(new URL('../../../conf/spark-defaults.conf.template', import.meta.url), 'utf8');
    expect(parseProperties(text)).toEqual([]); // everything is commented out
    const examples = parseProperties(text.replace(/^# (spark\.)/gm, '$1'));
    expect(examples.length).toBeGreaterThan(5);
    for (const [k, v] of examples) {
      const entry = findEntry(k);
      if (entry) expect(() => entry.parse(v), k).not.toThrow();
      else
        expect(
          CONFIG_PREFIXES.some((p) => k.startsWith(p.prefix)),
          k,
        ).toBe(true);
    }
  });
});
