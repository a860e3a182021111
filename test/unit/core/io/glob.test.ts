import { mkdir, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  componentRegExp,
  expandBraces,
  globStatus,
  listInputFiles,
  splitInputPaths,
} from '../../../../src/core/io/glob.js';
import { LocalFileSystem } from '../../../../src/core/io/local-file-system.js';
import { makeTempDir } from './helpers.js';

describe('glob syntax', () => {
  it('expands braces, nested and with slashes', () => {
    expect(expandBraces('a{b,c}d')).toEqual(['abd', 'acd']);
    expect(expandBraces('{x/y,z}/f')).toEqual(['x/y/f', 'z/f']);
    expect(expandBraces('{a,b{1,2}}')).toEqual(['a', 'b1', 'b2']);
    expect(expandBraces('{a,b}{c,d}')).toEqual(['ac', 'ad', 'bc', 'bd']);
    expect(expandBraces('plain')).toEqual(['plain']);
    expect(expandBraces('a\\{b,c}')).toEqual(['a\\{b,c}']);
    expect(() => expandBraces('a{b,c')).toThrow(/unclosed/);
  });
  it('splits comma-separated inputs outside braces', () => {
    expect(splitInputPaths('a,b/{c,d},e')).toEqual(['a', 'b/{c,d}', 'e']);
  });
  it('matches one component', () => {
    const m = (glob: string, name: string) => componentRegExp(glob).test(name);
    expect(m('*.txt', 'a.txt')).toBe(true);
    expect(m('*.txt', 'a.txt.gz')).toBe(false);
    expect(m('part-?', 'part-1')).toBe(true);
    expect(m('part-?', 'part-12')).toBe(false);
    expect(m('[abc]x', 'bx')).toBe(true);
    expect(m('[abc]x', 'dx')).toBe(false);
    expect(m('[a-c]x', 'cx')).toBe(true);
    expect(m('[^a-c]x', 'cx')).toBe(false);
    expect(m('[!a-c]x', 'dx')).toBe(true);
    expect(m('a\\*b', 'a*b')).toBe(true);
    expect(m('a\\*b', 'axb')).toBe(false);
    expect(m('a.b', 'axb')).toBe(false);
    expect(m('(x)+', '(x)+')).toBe(true);
    expect(() => componentRegExp('[abc')).toThrow(/unclosed/);
  });
});

describe('input files on the local file system', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  const fs = new LocalFileSystem();
  beforeAll(async () => {
    ({ dir, cleanup } = await makeTempDir());
    for (const d of ['logs/2024-01', 'logs/2024-02', 'logs/2025-01', 'logs/_tmp', 'out', 'nested/sub']) {
      await mkdir(join(dir, d), { recursive: true });
    }
    const files: Record<string, string> = {
      'logs/2024-01/a.txt': 'a',
      'logs/2024-01/b.log': 'b',
      'logs/2024-02/c.txt': 'c',
      'logs/2025-01/d.txt': 'd',
      'logs/_tmp/e.txt': 'e',
      'out/part-00000': '0',
      'out/part-00001': '1',
      'out/_SUCCESS': '',
      'out/.part-00000.crc': 'crc',
      'nested/top.txt': 't',
      'nested/sub/deep.txt': 'x',
      'x1.txt': '1',
      'x2.txt': '2',
      'y.txt': 'y',
    };
    for (const [p, c] of Object.entries(files)) await writeFile(join(dir, p), c);
  });
  afterAll(async () => cleanup());

  const names = (sts: { path: string }[]) => sts.map((s) => s.path.slice(`file:${dir}/`.length));

  it('a directory means its non-hidden files', async () => {
    expect(names(await listInputFiles(fs, join(dir, 'out')))).toEqual(['out/part-00000', 'out/part-00001']);
  });
  it('* ? [] {} globs across components, hidden matches dropped', async () => {
    expect(names(await listInputFiles(fs, join(dir, 'logs/*/*.txt')))).toEqual([
      'logs/2024-01/a.txt',
      'logs/2024-02/c.txt',
      'logs/2025-01/d.txt',
      'logs/_tmp/e.txt',
    ]);
    expect(names(await listInputFiles(fs, join(dir, 'logs/2024-0?/*')))).toEqual([
      'logs/2024-01/a.txt',
      'logs/2024-01/b.log',
      'logs/2024-02/c.txt',
    ]);
    expect(names(await listInputFiles(fs, join(dir, 'x[12].txt')))).toEqual(['x1.txt', 'x2.txt']);
    expect(names(await listInputFiles(fs, join(dir, '{y,x1}.txt')))).toEqual(['x1.txt', 'y.txt']);
    expect(names(await listInputFiles(fs, join(dir, '{logs/2025-01,out}')))).toEqual([
      'logs/2025-01/d.txt',
      'out/part-00000',
      'out/part-00001',
    ]);
    // A glob matching directories: each contributes its files; '_tmp' is hidden.
    expect(names(await listInputFiles(fs, join(dir, 'logs/*')))).toEqual([
      'logs/2024-01/a.txt',
      'logs/2024-01/b.log',
      'logs/2024-02/c.txt',
      'logs/2025-01/d.txt',
    ]);
    expect(names(await listInputFiles(fs, join(dir, 'out/*')))).toEqual(['out/part-00000', 'out/part-00001']);
  });
  it('comma-separated inputs and file: URIs', async () => {
    expect(names(await listInputFiles(fs, `file://${join(dir, 'y.txt')},${join(dir, 'x1.txt')}`))).toEqual([
      'y.txt',
      'x1.txt',
    ]);
  });
  it('relative paths resolve against the working directory', async () => {
    expect(names(await listInputFiles(fs, relative(process.cwd(), join(dir, 'y.txt'))))).toEqual(['y.txt']);
    expect(names(await listInputFiles(fs, relative(process.cwd(), join(dir, 'x*.txt'))))).toEqual([
      'x1.txt',
      'x2.txt',
    ]);
  });
  it('missing paths and empty globs are FILE_NOT_FOUND with the path', async () => {
    await expect(listInputFiles(fs, join(dir, 'nope.txt'))).rejects.toMatchObject({
      code: 'FILE_NOT_FOUND',
      message: expect.stringContaining('Input path does not exist'),
    });
    await expect(listInputFiles(fs, join(dir, '*.csv'))).rejects.toMatchObject({
      code: 'FILE_NOT_FOUND',
      message: expect.stringContaining('matches 0 files'),
    });
    await expect(listInputFiles(fs, join(dir, 'out/_*'))).rejects.toMatchObject({ code: 'FILE_NOT_FOUND' });
  });
  it('a subdirectory inside an input directory is an error naming it', async () => {
    await expect(listInputFiles(fs, join(dir, 'nested'))).rejects.toMatchObject({
      code: 'NOT_A_FILE',
      message: expect.stringContaining(join(dir, 'nested/sub')),
    });
  });
  it('globStatus returns directories too, sorted, without filtering', async () => {
    expect(names(await globStatus(fs, join(dir, 'logs/*')))).toEqual([
      'logs/2024-01',
      'logs/2024-02',
      'logs/2025-01',
      'logs/_tmp',
    ]);
  });
});
