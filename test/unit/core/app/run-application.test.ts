import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { SparkConf } from '../../../../src/conf/spark-conf.js';
import { ExitCode, TsparkError } from '../../../../src/errors.js';
import { silentLogger } from '../../../../src/log.js';
import { runApplication } from '../../../../src/deploy/run-application.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tspark-app-test-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const conf = (master = 'local[2]') => new SparkConf({ 'spark.master': master, 'spark.app.name': 'app-test' });

describe('runApplication', () => {
  it('bundles a TypeScript entry, passes sc and args to main, and ships exported functions by reference', async () => {
    const entry = join(dir, 'app.ts');
    const out = join(dir, 'result.json');
    await writeFile(
      entry,
      `import type { SparkContext } from 'tspark';
       import { writeFileSync } from 'node:fs';
       const OFFSET = 10; // a module-level value: only shipping by reference can use it
       export function square(x: number): number { return x * x + OFFSET; }
       export default async function main(sc: SparkContext, args: string[]): Promise<void> {
         const n: number = Number(args[0]);
         const squares = await sc.range(0, n, 1, 3).map(square).collect();
         writeFileSync(args[1]!, JSON.stringify({ squares, parallelism: sc.defaultParallelism }));
       }`,
    );
    await runApplication({ entry, mainExport: 'default', appArgs: ['7', out], conf: conf() }, silentLogger());
    const result = JSON.parse(await readFile(out, 'utf8')) as { squares: number[]; parallelism: number };
    const expected: number[] = [];
    for (let i = 0; i < 7; i++) expected.push(i * i + 10);
    expect(result.squares).toEqual(expected);
    expect(result.parallelism).toBe(2);
  });

  it('lets an inline function of a bundled application require a built-in module on the workers', async () => {
    // esbuild renames require() in an ESM bundle to __require: the shipped source must still work
    const entry = join(dir, 'requires.ts');
    const out = join(dir, 'requires.json');
    await writeFile(
      entry,
      `import type { SparkContext } from 'tspark';
       import { writeFileSync } from 'node:fs';
       export default async function main(sc: SparkContext, args: string[]): Promise<void> {
         const names = await sc
           .parallelize(['/a/b/one.txt', '/c/two.txt'], 2)
           .map((p: string) => require('node:path').basename(p))
           .collect();
         writeFileSync(args[0]!, JSON.stringify(names));
       }`,
    );
    await runApplication({ entry, mainExport: 'default', appArgs: [out], conf: conf() }, silentLogger());
    expect(JSON.parse(await readFile(out, 'utf8'))).toEqual(['one.txt', 'two.txt']);
  });

  it('runs the export named by --class', async () => {
    const entry = join(dir, 'named.mjs');
    const out = join(dir, 'named.txt');
    await writeFile(entry, `import { writeFileSync } from 'node:fs';\nexport async function Other(sc, args) { writeFileSync(args[0], String(await sc.parallelize([1, 2, 3]).count())); }\n`);
    await runApplication({ entry, mainExport: 'Other', appArgs: [out], conf: conf('local') }, silentLogger());
    expect(await readFile(out, 'utf8')).toBe('3');
  });

  it('fails with APP_FAILED carrying the task error, and still stops the context', async () => {
    const entry = join(dir, 'failing.ts');
    await writeFile(
      entry,
      `export default async function main(sc: any): Promise<void> {
         await sc.parallelize([1, 2, 3], 3).map((x: number) => { if (x === 2) throw new Error('bad record 2'); return x; }).collect();
       }`,
    );
    const err = await runApplication({ entry, mainExport: 'default', appArgs: [], conf: conf() }, silentLogger()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TsparkError);
    expect((err as TsparkError).exitCode).toBe(ExitCode.APP_FAILED);
    expect((err as Error).message).toContain('bad record 2');
    expect((err as Error).message).toMatch(/Task 1 in stage \d+\.0 failed 1 time/);
  });

  it('names the missing main export', async () => {
    const entry = join(dir, 'nomain.mjs');
    await writeFile(entry, 'export const x = 1;\nexport function helper() {}\n');
    const err = await runApplication({ entry, mainExport: 'default', appArgs: [], conf: conf() }, silentLogger()).catch((e: unknown) => e);
    expect((err as TsparkError).code).toBe('APP_MAIN_NOT_FOUND');
    expect((err as Error).message).toContain('helper');
  });

  it('runs examples/join-sort.ts: totals per country, largest first', async () => {
    const log = vi.spyOn(console, 'log').mockImplementation(() => undefined);
    try {
      await runApplication({ entry: resolve('examples/join-sort.ts'), mainExport: 'default', appArgs: ['5000'], conf: conf() }, silentLogger());
      const countries = ['DE', 'FR', 'JP', 'BR', 'US', 'IN', 'NG', 'CA'];
      const totals = new Map<string, number>();
      for (let i = 0; i < 5000; i++) {
        const country = countries[((i * 7919) % 1000) % countries.length]!;
        totals.set(country, (totals.get(country) ?? 0) + (i % 97) + 0.5);
      }
      const expected = [...totals].sort((a, b) => b[1] - a[1]).map(([c, t]) => `${c}\t${t.toFixed(2)}`);
      expect(log.mock.calls.map((c) => String(c[0]))).toEqual(expected);
    } finally {
      log.mockRestore();
    }
  });

  it('runs examples/spark-pi.ts', async () => {
    const log = vi.spyOn(console, 'log').mockImplementation(() => undefined);
    try {
      await runApplication({ entry: resolve('examples/spark-pi.ts'), mainExport: 'default', appArgs: ['4'], conf: conf() }, silentLogger());
      const line = log.mock.calls.map((c) => String(c[0])).find((l) => l.startsWith('Pi is roughly'));
      expect(line).toBeDefined();
      expect(Math.abs(Number(line!.split(' ').pop()) - Math.PI)).toBeLessThan(0.05);
    } finally {
      log.mockRestore();
    }
  });
});
