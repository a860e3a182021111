import { finished } from 'node:stream/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FileOutputCommitter } from '../../../src/core/io/output-committer.js';
import { HdfsFileSystem } from '../../../src/hadoop/webhdfs/hdfs-filesystem.js';
import { hadoopCluster } from '../../support/hadoop.js';
import { filesUnder, hdfsTestDir, webHdfs } from './support.js';

/**
 * The output committer's rules on real HDFS, where rename differs from POSIX:
 * renaming onto an existing directory moves the source *into* it, and failures
 * answer `false`. Two attempts of one partition: the first commit wins, the
 * second is denied and leaves nothing; a failed job leaves no output at all.
 */

const cluster = hadoopCluster();
const client = webHdfs(cluster);
const base = hdfsTestDir('hdfs-io-commit');
const fs = new HdfsFileSystem({
  uri: cluster.defaultFS,
  namenodes: [cluster.nameNodeUrl],
  user: cluster.user,
});

/**
 * HDFS's own rename, without HdfsFileSystem's "destination must not exist" check:
 * what two commits racing past that check would see.
 */
class RawRenameHdfs extends HdfsFileSystem {
  override async rename(src: string, dst: string): Promise<void> {
    const ok = await this.client.rename(this.toHdfsPath(src), this.toHdfsPath(dst));
    if (!ok) throw new Error(`rename ${src} -> ${dst} answered false`);
  }
}

async function write(path: string, text: string): Promise<void> {
  const out = await fs.create(path);
  out.end(text);
  await finished(out);
}

beforeAll(async () => {
  await client.mkdirs(base);
});
afterAll(async () => {
  await client.delete(base, true);
});

describe('FileOutputCommitter on HDFS', () => {
  it('first commit of a partition wins; a second attempt is denied and its files are gone', async () => {
    const out = `${base}/two-attempts`;
    const committer = new FileOutputCommitter(fs, out, 'job_two');
    await committer.setupJob();
    await write(committer.taskAttemptPath(0, 0), 'attempt 0\n');
    await write(committer.taskAttemptPath(0, 1), 'attempt 1\n');
    await committer.commitTask(0, 0);
    const second = new FileOutputCommitter(fs, out, 'job_two');
    await expect(second.commitTask(0, 1)).rejects.toMatchObject({ code: 'TASK_COMMIT_DENIED' });
    expect(await client.exists(committer.taskAttemptDir(0, 1))).toBe(false);
    await committer.commitJob();
    expect((await client.listStatus(out)).map((s) => s.name).sort()).toEqual(['_SUCCESS', 'part-00000']);
    expect((await client.readAll(`${out}/part-00000`)).toString()).toBe('attempt 0\n');
  });

  it("denies a commit whose rename HDFS turned into a move into the winner's directory", async () => {
    const raw = new RawRenameHdfs({
      uri: cluster.defaultFS,
      namenodes: [cluster.nameNodeUrl],
      user: cluster.user,
    });
    const out = `${base}/race`;
    const committer = new FileOutputCommitter(raw, out, 'job_race');
    await committer.setupJob();
    await write(committer.taskAttemptPath(3, 0), 'winner\n');
    await write(committer.taskAttemptPath(3, 1), 'loser\n');
    await committer.commitTask(3, 0);
    // HDFS moves attempt 1 *into* the committed directory instead of failing
    await expect(new FileOutputCommitter(raw, out, 'job_race').commitTask(3, 1)).rejects.toMatchObject({
      code: 'TASK_COMMIT_DENIED',
    });
    await committer.commitJob();
    const files = (await filesUnder(client, out)).map((f) => f.slice(out.length + 1)).sort();
    expect(files).toEqual(['_SUCCESS', 'part-00003']);
    expect((await client.readAll(`${out}/part-00003`)).toString()).toBe('winner\n');
  });

  it('abortJob after committed tasks leaves neither part files nor _SUCCESS', async () => {
    const out = `${base}/aborted`;
    const committer = new FileOutputCommitter(fs, out, 'job_abort');
    await committer.setupJob();
    await write(committer.taskAttemptPath(0, 0), 'x\n');
    await committer.commitTask(0, 0);
    await write(committer.taskAttemptPath(1, 0), 'y\n');
    await committer.abortJob();
    expect(await client.exists(out)).toBe(false);
  });

  it('a task still running when the job failed leaves nothing once it commits or fails', async () => {
    const out = `${base}/late`;
    const committer = new FileOutputCommitter(fs, out, 'job_late');
    await committer.setupJob();
    await committer.abortJob();
    // WebHDFS CREATE makes the missing parents: <out>/_temporary/... is back
    await write(committer.taskAttemptPath(0, 0), 'late\n');
    await write(committer.taskAttemptPath(1, 0), 'late too\n');
    expect(await client.exists(out)).toBe(true);
    await expect(new FileOutputCommitter(fs, out, 'job_late').commitTask(0, 0)).rejects.toMatchObject({
      code: 'TASK_COMMIT_DENIED',
    });
    await new FileOutputCommitter(fs, out, 'job_late').abortTask(1, 0);
    expect(await client.exists(out)).toBe(false);
  });
});
