// The engine's file-system contract on real HDFS through the `hdfs:` adapter:
// the engine's own text splitting/reading and output committer run over it,
// so what they rely on (ranged reads ending at EOF, block hosts, rename rules,
// _SUCCESS) is checked against the NameNode and DataNode, not a fake.
import { randomBytes } from 'node:crypto';
import { finished } from 'node:stream/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SparkConf } from '../../../src/conf/spark-conf.js';
import { FileSystemRegistry } from '../../../src/core/io/file-system.js';
import { FileOutputCommitter } from '../../../src/core/io/output-committer.js';
import { computeTextSplits, readTextSplit } from '../../../src/core/io/text-input.js';
import { HdfsFileSystem, registerHdfs } from '../../../src/hadoop/webhdfs/hdfs-filesystem.js';
import { hadoopCluster } from '../../support/hadoop.js';

const cluster = hadoopCluster();
const registry = new FileSystemRegistry();
registerHdfs({
  defaultFS: cluster.defaultFS,
  namenodes: [cluster.nameNodeUrl],
  user: cluster.user,
  registry,
});
const conf = new SparkConf();
const base = `${cluster.defaultFS}/tmp/tspark-it-hdfsfs-${process.pid}-${randomBytes(3).toString('hex')}`;
const fs = registry.fileSystemFor(base, conf) as HdfsFileSystem;

async function writeText(path: string, text: string, overwrite = false): Promise<void> {
  const out = await fs.create(path, { overwrite });
  // Several writes, so the upload sees a real stream of chunks.
  for (let i = 0; i < text.length; i += 100_000) out.write(text.slice(i, i + 100_000));
  out.end();
  await finished(out);
}

async function readAll(path: string, range?: { start: number; end?: number }): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of await fs.open(path, range)) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

describe('hdfs: FileSystem on the test cluster', () => {
  beforeAll(async () => {
    await fs.mkdirs(base);
  });
  afterAll(async () => {
    await fs.delete(base, true);
  });

  it('creates (parents included), stats, lists and reads ranges, with qualified paths', async () => {
    const path = `${base}/a/b/file.txt`;
    await writeText(path, 'hello\nworld\n');
    const st = await fs.status(path);
    expect(st).toMatchObject({ path, length: 12, isDirectory: false, blockSize: cluster.blockSize });
    expect((await fs.list(`${base}/a/b`)).map((s) => s.path)).toEqual([path]);
    expect(await readAll(path, { start: 6, end: 11 })).toBe('world');
    // At and past the end: empty, as for a local file.
    expect(await readAll(path, { start: 12, end: 100 })).toBe('');
    expect(await readAll(path, { start: 50 })).toBe('');
    await expect(fs.create(path)).rejects.toMatchObject({ code: 'FILE_EXISTS' });
    await writeText(path, 'replaced\n', true);
    expect(await readAll(path)).toBe('replaced\n');
    await expect(fs.status(`${base}/nope`)).rejects.toMatchObject({ code: 'FILE_NOT_FOUND' });
  });

  it("the engine's text splits and line reader read every line of a multi-split file exactly once", async () => {
    const lines: string[] = [];
    for (let i = 0; i < 60_000; i++) lines.push(`line ${i} ${'x'.repeat(i % 37)}`);
    const path = `${base}/text/input.txt`;
    await writeText(path, `${lines.join('\n')}\n`);
    const splits = await computeTextSplits(fs, path, 5);
    expect(splits.length).toBeGreaterThanOrEqual(5);
    for (const s of splits) expect(s.hosts).toEqual(['127.0.0.1']);
    const read: string[] = [];
    for (const split of splits) for await (const batch of readTextSplit(fs, split)) read.push(...batch);
    expect(read).toEqual(lines);
  });

  it('the output committer commits on HDFS: part files, _SUCCESS, no _temporary', async () => {
    const out = `${base}/out`;
    const committer = new FileOutputCommitter(fs, out, 'job_it_0001');
    await committer.setupJob();
    for (const p of [0, 1]) {
      await writeText(committer.taskAttemptPath(p, 0), `partition ${p}\n`);
      await committer.commitTask(p, 0);
    }
    await committer.commitJob();
    const names = (await fs.list(out)).map((s) => s.path.slice(out.length + 1));
    expect(names).toEqual(['_SUCCESS', 'part-00000', 'part-00001']);
    expect(await readAll(`${out}/part-00001`)).toBe('partition 1\n');
    // A second job into the same directory is refused, as Spark does.
    await expect(new FileOutputCommitter(fs, out, 'job_it_0002').setupJob()).rejects.toMatchObject({
      code: 'OUTPUT_EXISTS',
    });
  });

  it('rename refuses an existing destination; delete follows the contract', async () => {
    await writeText(`${base}/r/one`, '1');
    await writeText(`${base}/r/two`, '2');
    await expect(fs.rename(`${base}/r/one`, `${base}/r/two`)).rejects.toMatchObject({ code: 'FILE_EXISTS' });
    await fs.rename(`${base}/r/one`, `${base}/r/deeper/one`);
    expect(await fs.exists(`${base}/r/one`)).toBe(false);
    expect(await readAll(`${base}/r/deeper/one`)).toBe('1');
    await expect(fs.delete(`${base}/r`, false)).rejects.toMatchObject({ code: 'DIRECTORY_NOT_EMPTY' });
    expect(await fs.delete(`${base}/r`, true)).toBe(true);
    expect(await fs.delete(`${base}/r`, true)).toBe(false);
  });
});
