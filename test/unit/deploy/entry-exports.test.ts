import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { listEntryExports, staticExports } from '../../../src/deploy/entry-exports.js';
import { ExitCode, type TsparkError } from '../../../src/errors.js';
import { tempDir } from '../../support/temp-dir.js';

const dir = tempDir('tspark-exports-');
function file(name: string, text: string): string {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
}

describe('entry module exports, found without running the module', () => {
  it('lists every kind of ES export', () => {
    const src = [
      'export default async function main() {}',
      'export function WordCount() {}',
      'export class Job {}',
      'export const a = 1, { b, c: [d, ...e] } = {}, [f = 2] = [];',
      'const g = 1; export { g as h, g };',
      'export * as ns from "./other.js";',
      'export { x as "string name" } from "./other.js";',
    ].join('\n');
    expect(staticExports(src)).toEqual({
      names: ['default', 'WordCount', 'Job', 'a', 'b', 'd', 'e', 'f', 'h', 'g', 'ns', 'string name'],
      complete: true,
    });
  });

  it('marks `export * from` as needing resolution', () => {
    expect(staticExports('export * from "./x.js";').complete).toBe(false);
  });

  it('does not run the module', async () => {
    const p = file('side-effect.mjs', 'throw new Error("top level ran");\nexport default 1;');
    expect(await listEntryExports(p)).toEqual(['default']);
  });

  it('strips TypeScript types: type-only exports are not runtime exports', async () => {
    const p = file(
      'job.ts',
      'export interface Opts { n: number }\nexport type T = string;\nexport default async function main(sc: unknown, args: string[]): Promise<void> {}\nexport const WordCount = (x: number): number => x;\n',
    );
    expect((await listEntryExports(p)).sort()).toEqual(['WordCount', 'default']);
  });

  it('follows `export * from` by bundling', async () => {
    file('lib.js', 'export function helper() {}\nexport const other = 2;\n');
    const p = file('reexport.js', 'export * from "./lib.js";\nexport default function main() {}\n');
    expect((await listEntryExports(p)).sort()).toEqual(['default', 'helper', 'other']);
  });

  it('reports a syntax error with file, line and column', async () => {
    const p = file('broken.js', 'export default function main() {\n  let x = ;\n}\n');
    const e = (await listEntryExports(p).catch((x: unknown) => x)) as TsparkError;
    expect(e.exitCode).toBe(ExitCode.ENTRY_NOT_FOUND);
    expect(e.message).toMatch(/broken\.js does not parse \(2:\d+: Unexpected token\): fix the syntax error/);
    const t = file('broken.ts', 'export default function main(: number) {}\n');
    const te = (await listEntryExports(t).catch((x: unknown) => x)) as TsparkError;
    expect(te.message).toMatch(/broken\.ts does not parse \(1:\d+: /);
  });
});
