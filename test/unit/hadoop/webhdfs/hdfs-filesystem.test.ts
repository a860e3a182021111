import { finished } from 'node:stream/promises';
import { describe, expect, it } from 'vitest';
import { SparkConf } from '../../../../src/conf/spark-conf.js';
import { FileSystemRegistry } from '../../../../src/core/io/file-system.js';
import { HdfsFileSystem, registerHdfs } from '../../../../src/hadoop/webhdfs/hdfs-filesystem.js';
import {
  fixtureBody,
  loadFixture,
  replay,
  type Reply,
} from '../../../support/fake-http-server.js';
import { server } from '../../../support/fake-servers.js';

const noWait = { sleep: async () => undefined, random: () => 0 };
const fs = (nn: string) =>
  new HdfsFileSystem({ uri: 'hdfs://nn.example:9000', namenodes: [nn], user: 'alice', retryEnv: noWait });
const fx = (name: string): Reply => replay(loadFixture('webhdfs', name));

describe('HdfsFileSystem paths', () => {
  it('resolves hdfs://authority, hdfs:///, absolute and relative paths; refuses other clusters and schemes', () => {
    const h = new HdfsFileSystem({
      uri: 'hdfs://nn.example:9000',
      namenodes: ['http://127.0.0.1:1'],
      user: 'alice',
    });
    expect(h.toHdfsPath('hdfs://nn.example:9000/data/x')).toBe('/data/x');
    expect(h.toHdfsPath('hdfs:///data/x/')).toBe('/data/x');
    expect(h.toHdfsPath('/data//x')).toBe('/data/x');
    expect(h.toHdfsPath('in/part-0')).toBe('/user/alice/in/part-0');
    expect(h.qualify('in')).toBe('hdfs://nn.example:9000/user/alice/in');
    expect(() => h.toHdfsPath('hdfs://other:8020/x')).toThrow(expect.objectContaining({ code: 'WRONG_FS' }));
    expect(() => h.toHdfsPath('file:/tmp/x')).toThrow(
      expect.objectContaining({ code: 'UNSUPPORTED_SCHEME' }),
    );
  });
});

describe('HdfsFileSystem over recorded WebHDFS answers', () => {
  it('status and list give qualified paths; a missing path is FILE_NOT_FOUND with the NameNode words', async () => {
    const nn = await server((req) => {
      if (req.query.op === 'LISTSTATUS') return fx('liststatus-dir');
      return req.path.endsWith('/missing') ? fx('error-getfilestatus-not-found') : fx('getfilestatus-file');
    });
    const h = fs(nn.url);
    const st = await h.status('hdfs://nn.example:9000/d/hello.txt');
    expect(st).toMatchObject({ path: 'hdfs://nn.example:9000/d/hello.txt', isDirectory: false, length: 23 });
    const listed = await h.list('/d');
    expect(listed.map((s) => s.path)).toEqual([
      'hdfs://nn.example:9000/d/empty.bin',
      'hdfs://nn.example:9000/d/hello.txt',
      'hdfs://nn.example:9000/d/sub',
    ]);
    expect(listed.map((s) => s.isDirectory)).toEqual([false, false, true]);
    const err = (await h.status('/d/missing').catch((e: unknown) => e)) as Error & { code: string };
    expect(err.code).toBe('FILE_NOT_FOUND');
    expect(err.message).toContain('hdfs://nn.example:9000/d/missing');
    expect(err.message).toContain('File does not exist');
    expect(await h.exists('/d/missing')).toBe(false);
  });

  it('permission denied becomes PERMISSION_DENIED naming the user HDFS refused', async () => {
    const nn = await server(() => fx('error-permission-denied-liststatus'));
    const err = (await fs(nn.url)
      .list('/p')
      .catch((e: unknown) => e)) as Error & { code: string; context: Record<string, unknown> };
    expect(err.code).toBe('PERMISSION_DENIED');
    expect(err.context).toMatchObject({
      user: 'mallory',
      operation: 'list',
      path: 'hdfs://nn.example:9000/p',
    });
  });

  it('open: a range maps to offset/length; reading at the end of the file (refused by the NameNode) is empty', async () => {
    const dn = await server(() => fx('open-step2-datanode'));
    const nn = await server((req) =>
      Number(req.query.offset) >= 32
        ? fx('error-open-offset-at-end')
        : replay(loadFixture('webhdfs', 'open-step1-namenode'), dn.url),
    );
    const h = fs(nn.url);
    const chunks: Buffer[] = [];
    for await (const c of await h.open('/f', { start: 6, end: 13 })) chunks.push(c as Buffer);
    expect(Buffer.concat(chunks).equals(fixtureBody(loadFixture('webhdfs', 'open-step2-datanode')))).toBe(
      true,
    );
    expect(nn.requests[0]!.query).toMatchObject({ offset: '6', length: '7' });
    const tail: Buffer[] = [];
    for await (const c of await h.open('/f', { start: 32, end: 4096 })) tail.push(c as Buffer);
    expect(Buffer.concat(tail).length).toBe(0);
  });

  it("create: 'finish' comes only after the DataNode confirmed; an existing file is FILE_EXISTS up front", async () => {
    let release: () => void = () => undefined;
    const confirmed = new Promise<void>((r) => (release = r));
    const dn = await server(async () => {
      await confirmed;
      return fx('create-step2-datanode');
    });
    const nn = await server((req) => {
      if (req.query.op === 'GETFILESTATUS')
        return req.path.endsWith('/exists') ? fx('getfilestatus-file') : fx('error-getfilestatus-not-found');
      return replay(loadFixture('webhdfs', 'create-step1-namenode'), dn.url);
    });
    const h = fs(nn.url);
    const out = await h.create('/new.txt');
    let finishedFlag = false;
    const done = finished(out as NodeJS.WritableStream).then(() => (finishedFlag = true));
    out.write('line 1\n');
    out.end('line 2\n');
    await new Promise((r) => setTimeout(r, 50));
    expect(finishedFlag).toBe(false);
    release();
    await done;
    expect(dn.requests[0]!.body.toString()).toBe('line 1\nline 2\n');
    await expect(h.create('/exists')).rejects.toMatchObject({ code: 'FILE_EXISTS' });
  });

  it('create: a DataNode refusal fails the stream with the typed error', async () => {
    const dn = await server(() => fx('error-create-exists-step2-datanode'));
    const nn = await server(() => replay(loadFixture('webhdfs', 'create-step1-namenode'), dn.url));
    const out = await fs(nn.url).create('/race.txt', { overwrite: true });
    out.end('x');
    await expect(finished(out as NodeJS.WritableStream)).rejects.toMatchObject({ code: 'FILE_EXISTS' });
  });

  it('rename: missing source, existing destination, parent created, then RENAME', async () => {
    const ops: string[] = [];
    const nn = await server((req) => {
      ops.push(`${req.query.op} ${req.path.replace('/webhdfs/v1', '')}`);
      if (req.query.op === 'GETFILESTATUS') {
        return req.path.endsWith('/src') || req.path.endsWith('/taken')
          ? fx('getfilestatus-file')
          : fx('error-getfilestatus-not-found');
      }
      if (req.query.op === 'MKDIRS') return fx('mkdirs');
      return fx('rename-true');
    });
    const h = fs(nn.url);
    await expect(h.rename('/nothing', '/x')).rejects.toMatchObject({ code: 'FILE_NOT_FOUND' });
    await expect(h.rename('/src', '/taken')).rejects.toMatchObject({ code: 'FILE_EXISTS' });
    ops.length = 0;
    await h.rename('/src', '/out/part-00000');
    expect(ops).toEqual([
      'GETFILESTATUS /src',
      'GETFILESTATUS /out/part-00000',
      'MKDIRS /out',
      'RENAME /src',
    ]);
    expect(nn.requests.at(-1)!.query.destination).toBe('/out/part-00000');
  });

  it('delete of a non-empty directory without recursion is DIRECTORY_NOT_EMPTY, as on local disk', async () => {
    const nn = await server(() => fx('error-delete-non-empty'));
    await expect(fs(nn.url).delete('/d', false)).rejects.toMatchObject({ code: 'DIRECTORY_NOT_EMPTY' });
  });
});

describe('registerHdfs', () => {
  it('serves the default FS and configured authorities, one instance each; unknown authorities are a ConfigError', async () => {
    const registry = new FileSystemRegistry();
    registerHdfs({
      defaultFS: 'hdfs://127.0.0.1:9000',
      namenodes: ['http://127.0.0.1:9870'],
      otherAuthorities: { ns2: ['http://a:9870', 'http://b:9870'] },
      user: 'alice',
      registry,
    });
    const conf = new SparkConf();
    const a = registry.fileSystemFor('hdfs://127.0.0.1:9000/x', conf) as HdfsFileSystem;
    const b = registry.fileSystemFor('hdfs:///y', conf) as HdfsFileSystem;
    expect(a).toBe(b);
    expect(a.authority).toBe('127.0.0.1:9000');
    const ns2 = registry.fileSystemFor('hdfs://ns2/z', conf) as HdfsFileSystem;
    expect(ns2.authority).toBe('ns2');
    expect(ns2.client.activeNameNode).toBe('http://a:9870');
    expect(() => registry.fileSystemFor('hdfs://elsewhere:8020/z', conf)).toThrow(
      expect.objectContaining({ code: 'HDFS_UNKNOWN_AUTHORITY' }),
    );
    expect(() => registerHdfs({ defaultFS: 'file:///', namenodes: ['http://x'], registry })).toThrow(
      expect.objectContaining({ code: 'HDFS_BAD_URI' }),
    );
  });
});
