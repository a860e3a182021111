import { mkdir, readFile, writeFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { finished } from 'node:stream/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SparkConf } from '../../../../src/conf/spark-conf.js';
import { ExitCode, type TsparkError } from '../../../../src/errors.js';
import { fromSystemError } from '../../../../src/core/io/errors.js';
import { LocalFileSystem, LOCAL_BLOCK_SIZE } from '../../../../src/core/io/local-file-system.js';
import { FileSystemRegistry } from '../../../../src/core/io/file-system.js';
import { fileSystemFor, registerFileSystem } from '../../../../src/core/io/registry.js';
import { baseName, parentPath, parsePath } from '../../../../src/core/io/paths.js';
import { makeTempDir, readAll } from './helpers.js';

let dir: string;
let cleanup: () => Promise<void>;
beforeEach(async () => ({ dir, cleanup } = await makeTempDir()));
afterEach(async () => cleanup());

describe('paths', () => {
  it('parses schemes and authorities', () => {
    expect(parsePath('/a/b')).toEqual({ scheme: undefined, authority: undefined, path: '/a/b' });
    expect(parsePath('file:/a/b')).toEqual({ scheme: 'file', authority: undefined, path: '/a/b' });
    expect(parsePath('file:///a/b')).toEqual({ scheme: 'file', authority: '', path: '/a/b' });
    expect(parsePath('HDFS://nn:8020/x')).toEqual({ scheme: 'hdfs', authority: 'nn:8020', path: '/x' });
    expect(parsePath('data/x')).toEqual({ scheme: undefined, authority: undefined, path: 'data/x' });
  });
  it('takes names and parents', () => {
    expect(baseName('hdfs://nn:8020/a/b.txt')).toBe('b.txt');
    expect(baseName('/a/b/')).toBe('b');
    expect(parentPath('hdfs://nn:8020/a/b')).toBe('hdfs://nn:8020/a');
    expect(parentPath('file:/a')).toBe('file:/');
    expect(parentPath('/')).toBeUndefined();
  });
});

describe('registry', () => {
  const conf = new SparkConf();
  it('maps bare paths and file: URIs to the local file system', () => {
    expect(fileSystemFor('/tmp/x', conf).scheme).toBe('file');
    expect(fileSystemFor('relative/x', conf).scheme).toBe('file');
    expect(fileSystemFor('file:///tmp/x', conf)).toBeInstanceOf(LocalFileSystem);
  });
  it('names an unknown scheme in its error', () => {
    const reg = new FileSystemRegistry();
    reg.register('file', () => new LocalFileSystem());
    try {
      reg.fileSystemFor('s3a://bucket/key', conf);
      expect.fail('should throw');
    } catch (e: any) {
      expect(e.code).toBe('UNSUPPORTED_SCHEME');
      expect(e.exitCode).toBe(ExitCode.USAGE);
      expect(e.message).toContain("'s3a'");
      expect(e.message).toContain('file');
    }
  });
  it('uses a registered factory with the authority of the path', () => {
    const seen: (string | undefined)[] = [];
    registerFileSystem('testfs', (_c, authority) => {
      seen.push(authority);
      return new LocalFileSystem();
    });
    fileSystemFor('testfs://host:1/x', conf);
    expect(seen).toEqual(['host:1']);
  });
  it('reads the local block size from spark.hadoop.fs.local.block.size', async () => {
    await writeFile(join(dir, 'f'), 'x');
    const fs = fileSystemFor(join(dir, 'f'), new SparkConf({ 'spark.hadoop.fs.local.block.size': '1m' }));
    expect((await fs.status(join(dir, 'f'))).blockSize).toBe(1024 * 1024);
    expect((await fileSystemFor(join(dir, 'f'), conf).status(join(dir, 'f'))).blockSize).toBe(
      32 * 1024 * 1024,
    );
  });
});

describe('LocalFileSystem', () => {
  const fs = new LocalFileSystem();

  it('reports status with a qualified path and the 32 MiB local block size', async () => {
    await writeFile(join(dir, 'a.txt'), 'hello');
    const st = await fs.status(`file://${join(dir, 'a.txt')}`);
    expect(st).toMatchObject({ path: `file:${join(dir, 'a.txt')}`, length: 5, isDirectory: false });
    expect(st.blockSize).toBe(LOCAL_BLOCK_SIZE);
    expect(LOCAL_BLOCK_SIZE).toBe(33554432);
    expect(Math.abs(st.modificationTime - (await stat(join(dir, 'a.txt'))).mtimeMs)).toBeLessThan(1);
    expect((await fs.status(dir)).isDirectory).toBe(true);
  });

  it('throws FILE_NOT_FOUND naming the path', async () => {
    const missing = join(dir, 'nope');
    await expect(fs.status(missing)).rejects.toMatchObject({
      code: 'FILE_NOT_FOUND',
      exitCode: ExitCode.NOT_FOUND,
    });
    await expect(fs.open(missing)).rejects.toMatchObject({
      code: 'FILE_NOT_FOUND',
      context: { path: missing },
    });
    await expect(fs.list(missing)).rejects.toThrow(missing);
    expect(await fs.exists(missing)).toBe(false);
  });

  it('lists directory children sorted, and a file as itself', async () => {
    await writeFile(join(dir, 'b'), '1');
    await writeFile(join(dir, 'a'), '22');
    await mkdir(join(dir, 'c'));
    const names = (await fs.list(dir)).map((s) => [baseName(s.path), s.isDirectory, s.length]);
    expect(names).toEqual([
      ['a', false, 2],
      ['b', false, 1],
      ['c', true, 0],
    ]);
    expect((await fs.list(join(dir, 'a'))).map((s) => s.path)).toEqual([`file:${join(dir, 'a')}`]);
  });

  it('opens byte ranges with an exclusive end', async () => {
    await writeFile(join(dir, 'r'), '0123456789');
    expect((await readAll(await fs.open(join(dir, 'r')))).toString()).toBe('0123456789');
    expect((await readAll(await fs.open(join(dir, 'r'), { start: 3 }))).toString()).toBe('3456789');
    expect((await readAll(await fs.open(join(dir, 'r'), { start: 3, end: 5 }))).toString()).toBe('34');
    expect((await readAll(await fs.open(join(dir, 'r'), { start: 3, end: 3 }))).toString()).toBe('');
    expect((await readAll(await fs.open(join(dir, 'r'), { start: 8, end: 100 }))).toString()).toBe('89');
    await expect(fs.open(dir)).rejects.toMatchObject({ code: 'IS_A_DIRECTORY' });
  });

  it('creates files with parents, refusing to overwrite unless asked', async () => {
    const p = join(dir, 'x', 'y', 'f.txt');
    const out = await fs.create(p);
    out.end('data');
    await finished(out);
    expect(await readFile(p, 'utf8')).toBe('data');
    await expect(fs.create(p)).rejects.toMatchObject({ code: 'FILE_EXISTS' });
    const again = await fs.create(p, { overwrite: true });
    again.end('new');
    await finished(again);
    expect(await readFile(p, 'utf8')).toBe('new');
  });

  it('renames only onto a missing destination', async () => {
    await writeFile(join(dir, 's'), 'S');
    await writeFile(join(dir, 'd'), 'D');
    await expect(fs.rename(join(dir, 's'), join(dir, 'd'))).rejects.toMatchObject({ code: 'FILE_EXISTS' });
    expect(await readFile(join(dir, 'd'), 'utf8')).toBe('D');
    await fs.rename(join(dir, 's'), join(dir, 'sub', 'moved'));
    expect(await readFile(join(dir, 'sub', 'moved'), 'utf8')).toBe('S');
    await expect(fs.rename(join(dir, 's'), join(dir, 't'))).rejects.toMatchObject({ code: 'FILE_NOT_FOUND' });
    await mkdir(join(dir, 'emptydir'));
    await mkdir(join(dir, 'srcdir'));
    await expect(fs.rename(join(dir, 'srcdir'), join(dir, 'emptydir'))).rejects.toMatchObject({
      code: 'FILE_EXISTS',
    });
  });

  it('deletes files and directories, recursively only when asked', async () => {
    await mkdirs(join(dir, 'd1', 'd2'));
    await writeFile(join(dir, 'd1', 'd2', 'f'), 'x');
    expect(await fs.delete(join(dir, 'nothing'), false)).toBe(false);
    await expect(fs.delete(join(dir, 'd1'), false)).rejects.toMatchObject({ code: 'DIRECTORY_NOT_EMPTY' });
    expect(await fs.delete(join(dir, 'd1', 'd2', 'f'), false)).toBe(true);
    expect(await fs.delete(join(dir, 'd1'), true)).toBe(true);
    expect(await fs.exists(join(dir, 'd1'))).toBe(false);
  });

  it('mkdirs is idempotent', async () => {
    await fs.mkdirs(join(dir, 'm', 'n'));
    await fs.mkdirs(join(dir, 'm', 'n'));
    expect((await fs.status(join(dir, 'm', 'n'))).isDirectory).toBe(true);
  });

  it('reports one block on localhost covering the file', async () => {
    await writeFile(join(dir, 'b'), Buffer.alloc(1000));
    expect(await fs.blockLocations(join(dir, 'b'), 0, 1000)).toEqual([
      { offset: 0, length: 1000, hosts: ['localhost'] },
    ]);
    expect(await fs.blockLocations(join(dir, 'b'), 500, 10)).toEqual([
      { offset: 0, length: 1000, hosts: ['localhost'] },
    ]);
    expect(await fs.blockLocations(join(dir, 'b'), 1000, 10)).toEqual([]);
  });

  it('maps EACCES/EPERM to PERMISSION_DENIED with path and user', () => {
    // Built from a system error value: as root (CI containers) chmod 000 does not deny reads.
    const sysErr = Object.assign(new Error("EACCES: permission denied, open '/x'"), { code: 'EACCES' });
    const e = fromSystemError(sysErr, '/x', 'open', 'alice') as TsparkError;
    expect(e).toMatchObject({ code: 'PERMISSION_DENIED', exitCode: ExitCode.PERMISSION });
    expect(e.context).toMatchObject({ path: '/x', user: 'alice' });
    expect(e.message).toContain('/x');
    expect(e.message).toContain('alice');
    expect(e.cause).toBe(sysErr);
    const eperm = Object.assign(new Error('EPERM'), { code: 'EPERM' });
    expect((fromSystemError(eperm, '/y', 'delete') as TsparkError).code).toBe('PERMISSION_DENIED');
    const other = Object.assign(new Error('EIO'), { code: 'EIO' });
    expect((fromSystemError(other, '/y', 'read') as TsparkError).code).toBe('IO_ERROR');
  });

  it('rejects non-local URIs', () => {
    expect(() => fs.toLocalPath('hdfs://nn/x')).toThrow(/hdfs/);
    expect(() => fs.toLocalPath('file://otherhost/x')).toThrow(/otherhost/);
    expect(fs.toLocalPath('file://localhost/x')).toBe('/x');
  });
});

async function mkdirs(p: string): Promise<void> {
  await mkdir(p, { recursive: true });
}
