// HDFS of the test cluster through WebHDFS with plain HTTP: the two-step
// CREATE (NameNode answers 307 with a DataNode URL, followed here by hand),
// OPEN the same way, a multi-block file with its block locations, and Hadoop's
// own `hdfs dfs` / `hdfs fsck` as the oracle.
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hadoopCluster } from '../../support/hadoop.js';
import { call, getJson, request } from './http.js';

const cluster = hadoopCluster();
const testDir = `/user/${cluster.user}/tspark-it/cluster-webhdfs-${process.pid}-${randomBytes(3).toString('hex')}`;

function url(hdfsPath: string, op: string, params: Record<string, string> = {}): string {
  const qs = new URLSearchParams({ op, 'user.name': cluster.user, ...params });
  return `${cluster.webhdfsUrl}${hdfsPath}?${qs}`;
}

/** CREATE: the NameNode must redirect to a DataNode on loopback; the data goes there. */
async function create(hdfsPath: string, body: () => Buffer | Readable): Promise<string> {
  const step1 = await call('PUT', url(hdfsPath, 'CREATE', { overwrite: 'true' }));
  expect(step1.status).toBe(307);
  const location = step1.headers.location ?? '';
  const dn = new URL(location);
  expect(dn.hostname).toBe('127.0.0.1');
  const res = await request('PUT', location, body(), { 'Content-Type': 'application/octet-stream' });
  res.resume();
  await new Promise((r) => res.once('end', r));
  expect(res.statusCode).toBe(201);
  return location;
}

/** OPEN: redirect to a DataNode, then stream the bytes through `sink`. */
async function open(hdfsPath: string, sink: (chunk: Buffer) => void): Promise<void> {
  const step1 = await call('GET', url(hdfsPath, 'OPEN'));
  expect(step1.status).toBe(307);
  const res = await request('GET', step1.headers.location ?? '');
  expect(res.statusCode).toBe(200);
  for await (const chunk of res) sink(chunk as Buffer);
}

async function fileStatus(
  hdfsPath: string,
): Promise<{ length: number; blockSize: number; owner: string; type: string }> {
  return (await getJson(url(hdfsPath, 'GETFILESTATUS'))).FileStatus;
}

describe('WebHDFS on the test cluster', () => {
  beforeAll(async () => {
    const res = await call('PUT', url(testDir, 'MKDIRS'));
    expect(res.status).toBe(200);
  });

  afterAll(async () => {
    await call('DELETE', url(testDir, 'DELETE', { recursive: 'true' }));
  });

  it('writes a small file and reads it back, as the test user; hdfs dfs -cat agrees', async () => {
    const text = `hello webhdfs from ${cluster.user}\nline two: ünïcödé ✓\n`;
    const file = `${testDir}/small.txt`;
    await create(file, () => Buffer.from(text, 'utf8'));

    const chunks: Buffer[] = [];
    await open(file, (c) => chunks.push(c));
    expect(Buffer.concat(chunks).toString('utf8')).toBe(text);

    const st = await fileStatus(file);
    expect(st.type).toBe('FILE');
    expect(st.length).toBe(Buffer.byteLength(text, 'utf8'));
    expect(st.owner).toBe(cluster.user);

    const cat = await cluster.hadoopCli(['hdfs', 'dfs', '-cat', file]);
    expect(cat.code).toBe(0);
    expect(cat.stdout).toBe(text);
  });

  it('reads through WebHDFS what hdfs dfs -put wrote', async () => {
    const local = mkdtempSync(path.join(os.tmpdir(), 'tspark-it-'));
    try {
      const content = randomBytes(200_000);
      writeFileSync(path.join(local, 'blob.bin'), content);
      const put = await cluster.hadoopCli([
        'hdfs',
        'dfs',
        '-put',
        path.join(local, 'blob.bin'),
        `${testDir}/blob.bin`,
      ]);
      expect(put.code, put.stderr).toBe(0);

      const chunks: Buffer[] = [];
      await open(`${testDir}/blob.bin`, (c) => chunks.push(c));
      expect(Buffer.concat(chunks).equals(content)).toBe(true);

      const ls = await cluster.hadoopCli(['hdfs', 'dfs', '-ls', testDir]);
      expect(ls.code).toBe(0);
      expect(ls.stdout).toContain(`${testDir}/blob.bin`);
      expect(ls.stdout).toMatch(new RegExp(`\\s${content.length}\\s`));
    } finally {
      rmSync(local, { recursive: true, force: true });
    }
  });

  it('streams a 300 MiB file over several blocks and reports every block location', async () => {
    const size = 300 * 1024 * 1024;
    const chunkSize = 1024 * 1024;
    const file = `${testDir}/big.bin`;
    // Distinct 1 MiB chunks (a random base stamped with the chunk index), generated
    // while streaming; the digest of what was sent is the expected value.
    const base = randomBytes(chunkSize);
    const sent = createHash('sha256');
    function* chunks(): Generator<Buffer> {
      for (let i = 0; i < size / chunkSize; i++) {
        const c = Buffer.from(base);
        c.writeUInt32BE(i, 0);
        sent.update(c);
        yield c;
      }
    }
    await create(file, () => Readable.from(chunks()));
    const expectedDigest = sent.digest('hex');

    const st = await fileStatus(file);
    expect(st.length).toBe(size);
    expect(st.blockSize).toBe(cluster.blockSize);

    // Expected layout from the size and the block size alone.
    const expected: { offset: number; length: number }[] = [];
    for (let off = 0; off < size; off += cluster.blockSize) {
      expected.push({ offset: off, length: Math.min(cluster.blockSize, size - off) });
    }
    expect(expected.length).toBeGreaterThan(1);

    const locs = (await getJson(url(file, 'GETFILEBLOCKLOCATIONS', { offset: '0', length: String(size) })))
      .BlockLocations.BlockLocation as {
      offset: number;
      length: number;
      names: string[];
      hosts: string[];
      corrupt: boolean;
    }[];
    expect(locs.map((b) => ({ offset: b.offset, length: b.length }))).toEqual(expected);
    for (const b of locs) {
      expect(b.corrupt).toBe(false);
      expect(b.names).toEqual([cluster.dataNodeAddress]);
    }

    // Hadoop's own view of the same file.
    const fsck = await cluster.hadoopCli(['hdfs', 'fsck', file, '-files', '-blocks']);
    expect(fsck.code, fsck.stderr).toBe(0);
    expect(fsck.stdout).toMatch(new RegExp(`Total blocks \\(validated\\):\\s+${expected.length}\\b`));
    expect(fsck.stdout).toContain('is HEALTHY');

    const received = createHash('sha256');
    let receivedBytes = 0;
    await open(file, (c) => {
      received.update(c);
      receivedBytes += c.length;
    });
    expect(receivedBytes).toBe(size);
    expect(received.digest('hex')).toBe(expectedDigest);
  });
});
