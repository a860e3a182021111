// tspark's WebHDFS client against the real test cluster: streamed multi-MB
// writes and reads with bounded memory, ranged reads across a block boundary,
// metadata operations, block locations of multi-block files, and the real
// RemoteException answers turned into typed errors. `hdfs dfs` is the oracle
// where a second opinion is cheap.
import { createHash, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  RemoteAlreadyExistsError,
  RemoteNotFoundError,
  RemotePermissionDeniedError,
} from '../../../src/hadoop/rest/errors.js';
import { WebHdfsClient } from '../../../src/hadoop/webhdfs/client.js';
import { hadoopCluster } from '../../support/hadoop.js';
import { FakeServer, deadUrl } from '../../support/fake-http-server.js';

const cluster = hadoopCluster();
const base = `/tmp/tspark-it-webhdfs-${process.pid}-${randomBytes(3).toString('hex')}`;
const MiB = 1024 * 1024;
const client = new WebHdfsClient({ namenodes: [cluster.nameNodeUrl], user: cluster.user });

/** Byte i of the big test file: a fixed pseudo-random function of i, so any range can be recomputed. */
function byteAt(i: number): number {
  // xorshift-style mix of the index; cheap and not periodic at block sizes.
  let x = (i ^ 0x9e3779b9) >>> 0;
  x ^= x << 13;
  x >>>= 0;
  x ^= x >>> 17;
  x ^= x << 5;
  return (x >>> 0) & 0xff;
}

function bytes(start: number, length: number): Buffer {
  const b = Buffer.alloc(length);
  for (let i = 0; i < length; i++) b[i] = byteAt(start + i);
  return b;
}

/** A stream of `total` bytes produced 256 KiB at a time, hashing what it hands out. */
function generated(total: number, hash: ReturnType<typeof createHash>): Readable {
  const chunk = 256 * 1024;
  let offset = 0;
  return new Readable({
    read() {
      if (offset >= total) {
        this.push(null);
        return;
      }
      const n = Math.min(chunk, total - offset);
      const b = bytes(offset, n);
      hash.update(b);
      offset += n;
      this.push(b);
    },
  });
}

// A full GC before each sample, so the samples measure what is live, not garbage
// the collector has not reached yet (which varies with machine load).
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

/** Samples live heap + external buffers while `fn` runs; returns the peak growth over the start. */
async function peakMemoryGrowth(fn: () => Promise<void>): Promise<number> {
  const used = () => {
    gc();
    const m = process.memoryUsage();
    return m.heapUsed + m.arrayBuffers;
  };
  const start = used();
  let peak = start;
  const timer = setInterval(() => {
    peak = Math.max(peak, used());
  }, 250);
  try {
    await fn();
  } finally {
    clearInterval(timer);
  }
  peak = Math.max(peak, used());
  return peak - start;
}

describe('WebHDFS client on the test cluster', () => {
  beforeAll(async () => {
    expect(await client.mkdirs(base, 0o777)).toBe(true);
    // mkdirs does not apply the umask-free mode to parents; set it explicitly for other users.
    await client.setPermission(base, 0o777);
  });

  afterAll(async () => {
    await client.delete(base, true);
  });

  const BIG = 96 * MiB; // two blocks at the cluster's 64 MiB block size
  const bigPath = `${base}/big.bin`;
  let bigHash = '';

  it('streams a 96 MiB file up and back down with memory far below its size', async () => {
    const up = createHash('sha256');
    const upGrowth = await peakMemoryGrowth(() =>
      client.create(bigPath, generated(BIG, up), { overwrite: false, permission: 0o644 }),
    );
    bigHash = up.digest('hex');
    const status = await client.getFileStatus(bigPath);
    expect(status).toMatchObject({ type: 'FILE', length: BIG, permission: 0o644, owner: cluster.user });

    const down = createHash('sha256');
    let received = 0;
    const downGrowth = await peakMemoryGrowth(async () => {
      for await (const chunk of await client.open(bigPath)) {
        down.update(chunk as Buffer);
        received += (chunk as Buffer).length;
      }
    });
    expect(received).toBe(BIG);
    expect(down.digest('hex')).toBe(bigHash);
    console.log(
      `96 MiB upload: peak heap+buffers growth ${(upGrowth / MiB).toFixed(1)} MiB; download: ${(downGrowth / MiB).toFixed(1)} MiB`,
    );
    // Buffering the file would keep its 96 MiB alive. Streaming keeps a few chunks in
    // flight, but freed buffers are released by V8 in the background, so samples carry
    // noise (0-30 MiB seen on a loaded machine): the bound is half the file.
    expect(upGrowth).toBeLessThan(48 * MiB);
    expect(downGrowth).toBeLessThan(48 * MiB);
  });

  it('reads ranges: the start, the middle, across the 64 MiB block boundary, the tail', async () => {
    const ranges: [number, number][] = [
      [0, 10],
      [MiB - 3, 10],
      [cluster.blockSize - 5, 10],
      [BIG - 7, 7],
    ];
    for (const [offset, length] of ranges) {
      const got = await client.readAll(bigPath, { offset, length });
      expect(got.equals(bytes(offset, length))).toBe(true);
    }
    // Without a length: to the end of the file.
    expect((await client.readAll(bigPath, { offset: BIG - 100 })).equals(bytes(BIG - 100, 100))).toBe(true);
  });

  it('block locations: the 96 MiB file has two blocks at dfs.blocksize; a 1 MiB-block file has four', async () => {
    const big = await client.getFileBlockLocations(bigPath);
    expect(big.map((b) => [b.offset, b.length])).toEqual([
      [0, cluster.blockSize],
      [cluster.blockSize, BIG - cluster.blockSize],
    ]);
    for (const b of big) expect(b.hosts).toEqual(['127.0.0.1']);

    const small = `${base}/blocks.bin`;
    const size = 3.5 * MiB;
    await client.create(small, bytes(0, size), { blockSize: MiB });
    const blocks = await client.getFileBlockLocations(small, 0, size);
    const expected: [number, number][] = [];
    for (let off = 0; off < size; off += MiB) expected.push([off, Math.min(MiB, size - off)]);
    expect(blocks.map((b) => [b.offset, b.length])).toEqual(expected);
    // A range inside the third block reports only that block.
    const third = await client.getFileBlockLocations(small, 2 * MiB + 10, 100);
    expect(third.map((b) => b.offset)).toEqual([2 * MiB]);
  });

  it('status, list, rename, permissions, append and delete; hdfs dfs agrees on what was written', async () => {
    const dir = `${base}/meta`;
    expect(await client.mkdirs(`${dir}/sub`, 0o700)).toBe(true);
    expect((await client.getFileStatus(`${dir}/sub`)).permission).toBe(0o700);
    await client.create(`${dir}/a.txt`, 'first line\n', { permission: '600' });
    await client.append(`${dir}/a.txt`, 'second line\n');
    expect((await client.readAll(`${dir}/a.txt`)).toString()).toBe('first line\nsecond line\n');
    await client.setPermission(`${dir}/a.txt`, 0o640);
    const a = await client.getFileStatus(`${dir}/a.txt`);
    expect(a).toMatchObject({ permission: 0o640, length: 'first line\nsecond line\n'.length, type: 'FILE' });

    const listed = await client.listStatus(dir);
    expect(listed.map((s) => [s.name, s.type, s.path])).toEqual([
      ['a.txt', 'FILE', `${dir}/a.txt`],
      ['sub', 'DIRECTORY', `${dir}/sub`],
    ]);

    const cat = await cluster.hadoopCli(['hdfs', 'dfs', '-cat', `${dir}/a.txt`]);
    expect(cat.code).toBe(0);
    expect(cat.stdout).toBe('first line\nsecond line\n');

    // Rename keeps the modification time (what YARN local resources rely on).
    expect(await client.rename(`${dir}/a.txt`, `${dir}/sub/b.txt`)).toBe(true);
    expect(await client.exists(`${dir}/a.txt`)).toBe(false);
    expect((await client.getFileStatus(`${dir}/sub/b.txt`)).modificationTime).toBe(a.modificationTime);
    // Onto an existing file, and from a missing source: false, not an error.
    await client.create(`${dir}/c.txt`, 'c');
    expect(await client.rename(`${dir}/c.txt`, `${dir}/sub/b.txt`)).toBe(false);
    expect(await client.rename(`${dir}/missing`, `${dir}/x`)).toBe(false);

    await expect(client.delete(`${dir}/sub`, false)).rejects.toMatchObject({
      code: 'HDFS_DIRECTORY_NOT_EMPTY',
    });
    expect(await client.delete(`${dir}/sub`, true)).toBe(true);
    expect(await client.delete(`${dir}/sub`, true)).toBe(false);
    expect(await client.getHomeDirectory()).toBe(`/user/${cluster.user}`);
  });

  it('the real errors: not found (with the path), permission denied (with user and path), already exists', async () => {
    const missing = `${base}/no/such/file`;
    const nf = (await client.getFileStatus(missing).catch((e: unknown) => e)) as RemoteNotFoundError;
    expect(nf).toBeInstanceOf(RemoteNotFoundError);
    expect(nf.message).toContain(`HDFS path ${missing} was not found`);
    expect(nf.context.path).toBe(missing);
    await expect(client.open(missing)).rejects.toBeInstanceOf(RemoteNotFoundError);

    // A private directory of one user, and another user trying to look inside.
    const owner = new WebHdfsClient({ namenodes: [cluster.nameNodeUrl], user: 'tspark_owner' });
    const other = new WebHdfsClient({ namenodes: [cluster.nameNodeUrl], user: 'mallory' });
    const priv = `${base}/private`;
    await owner.mkdirs(priv, 0o700);
    await owner.create(`${priv}/secret.txt`, 'x');
    const denied = (await other.listStatus(priv).catch((e: unknown) => e)) as RemotePermissionDeniedError;
    expect(denied).toBeInstanceOf(RemotePermissionDeniedError);
    expect(denied.deniedUser).toBe('mallory');
    expect(denied.message).toContain(`user mallory may not READ_EXECUTE ${priv} (owned by tspark_owner:`);
    await expect(other.create(`${priv}/mine.txt`, 'y')).rejects.toBeInstanceOf(RemotePermissionDeniedError);

    const exists = (await owner
      .create(`${priv}/secret.txt`, 'again')
      .catch((e: unknown) => e)) as RemoteAlreadyExistsError;
    expect(exists).toBeInstanceOf(RemoteAlreadyExistsError);
    expect(exists.message).toContain('already exists');
    expect(exists.message).not.toContain('\tat ');
    // With overwrite it replaces the file.
    await owner.create(`${priv}/secret.txt`, 'again', { overwrite: true });
    expect((await owner.readAll(`${priv}/secret.txt`)).toString()).toBe('again');
  });

  it('HA list: an unreachable NameNode and a standby are skipped, the real one remembered', async () => {
    const ha = new WebHdfsClient({ namenodes: [await deadUrl(), cluster.nameNodeUrl], user: cluster.user });
    expect((await ha.getFileStatus(base)).type).toBe('DIRECTORY');
    expect(ha.activeNameNode).toBe(cluster.nameNodeUrl);

    // A stand-in standby NameNode (StandbyException, as a standby answers every op).
    const standby = await FakeServer.start(() => ({
      status: 403,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        RemoteException: {
          exception: 'StandbyException',
          javaClassName: 'org.apache.hadoop.ipc.StandbyException',
          message: 'Operation category READ is not supported in state standby',
        },
      }),
    }));
    try {
      const viaStandby = new WebHdfsClient({
        namenodes: [standby.url, cluster.nameNodeUrl],
        user: cluster.user,
      });
      await viaStandby.create(`${base}/ha.txt`, 'through the active NameNode');
      expect((await viaStandby.readAll(`${base}/ha.txt`)).toString()).toBe('through the active NameNode');
      expect(viaStandby.activeNameNode).toBe(cluster.nameNodeUrl);
      expect(standby.requests).toHaveLength(1);
    } finally {
      await standby.close();
    }
  });

  it('pointed at the wrong service or a dead port: errors that say which address to check', async () => {
    const wrong = new WebHdfsClient({
      namenodes: [cluster.rmUrl],
      user: cluster.user,
      retry: { maxAttempts: 1, initialDelayMs: 0, maxDelayMs: 0, multiplier: 1 },
    });
    const err = (await wrong.getFileStatus('/tmp').catch((e: unknown) => e)) as Error & {
      code: string;
      httpStatus: number;
    };
    expect(err).toMatchObject({ code: 'HADOOP_HTTP_ERROR', httpStatus: 404 });
    expect(err.message).toContain(`The NameNode at ${cluster.rmUrl} answered 404 to GETFILESTATUS /tmp`);
    expect(err.message).toContain('Check that the address points at the right service');

    const dead = await deadUrl();
    const none = new WebHdfsClient({
      namenodes: [dead],
      retry: { maxAttempts: 2, initialDelayMs: 1, maxDelayMs: 1, multiplier: 1 },
    });
    const unreachable = (await none.mkdirs('/tmp/x').catch((e: unknown) => e)) as Error & {
      code: string;
      exitCode: number;
    };
    expect(unreachable).toMatchObject({ code: 'HADOOP_UNREACHABLE', exitCode: 6 });
    expect(unreachable.message).toContain(`Cannot reach the NameNode at ${dead} (ECONNREFUSED`);
    expect(unreachable.message).toContain('dfs.namenode.http-address');
  });
});
