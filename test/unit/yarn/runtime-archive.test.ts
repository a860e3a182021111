import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as tar from 'tar';
import { afterEach, describe, expect, it } from 'vitest';
import { collectRuntimeFiles, packRuntimeArchive } from '../../../src/yarn/runtime-archive.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function fakePackage(): string {
  const root = mkdtempSync(path.join(os.tmpdir(), 'tspark-runtime-'));
  dirs.push(root);
  const write = (rel: string, text: string) => {
    mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
    writeFileSync(path.join(root, rel), text);
  };
  write('package.json', JSON.stringify({ name: 'tspark', version: '9.9.9' }));
  write(
    'package-lock.json',
    JSON.stringify({
      packages: {
        '': {},
        'node_modules/prod-a': {},
        'node_modules/prod-a/node_modules/nested': {},
        'node_modules/dev-b': { dev: true },
        'node_modules/esbuild': {},
        'node_modules/@esbuild/linux-x64': { optional: true },
        'node_modules/@other/not-installed': { optional: true },
      },
    }),
  );
  write('dist/src/index.js', 'export {}');
  write('dist/am/main.js', 'export {}');
  write('dist/test/unit/x.test.js', 'test build output, not runtime');
  write('node_modules/prod-a/index.js', 'a');
  write('node_modules/prod-a/node_modules/nested/index.js', 'n');
  write('node_modules/dev-b/index.js', 'b');
  write('node_modules/esbuild/index.js', 'e');
  write('node_modules/@esbuild/linux-x64/bin/esbuild', 'bin');
  write('src/index.ts', 'source, not runtime');
  return root;
}

describe('runtime archive', () => {
  it('holds dist, package.json and production dependencies only', async () => {
    const root = fakePackage();
    expect(await collectRuntimeFiles(root)).toEqual([
      'dist/am/main.js',
      'dist/src/index.js',
      'node_modules/prod-a/index.js',
      'node_modules/prod-a/node_modules/nested/index.js',
      'package.json',
    ]);
    const archive = await packRuntimeArchive(root, path.join(root, 'cache'));
    expect(archive.name).toMatch(/^tspark-runtime-9\.9\.9-[0-9a-f]{12}\.tgz$/);
    const entries: string[] = [];
    await tar.t({ file: archive.file, onReadEntry: (e) => entries.push(e.path) });
    expect(entries.sort()).toEqual(await collectRuntimeFiles(root));
  });

  it('gives the same bytes for the same content and a new name for new content', async () => {
    const root = fakePackage();
    const first = await packRuntimeArchive(root, path.join(root, 'cache1'));
    const again = await packRuntimeArchive(root, path.join(root, 'cache2'));
    const sha = (f: string) => createHash('sha256').update(readFileSync(f)).digest('hex');
    expect(again.name).toBe(first.name);
    expect(sha(again.file)).toBe(sha(first.file));
    writeFileSync(path.join(root, 'dist/src/index.js'), 'export const changed = 1;');
    const changed = await packRuntimeArchive(root, path.join(root, 'cache1'));
    expect(changed.name).not.toBe(first.name);
  });

  it('refuses to pack without a build', async () => {
    const root = fakePackage();
    rmSync(path.join(root, 'dist'), { recursive: true });
    await expect(packRuntimeArchive(root, path.join(root, 'cache'))).rejects.toThrow(/npm run build/);
  });
});
