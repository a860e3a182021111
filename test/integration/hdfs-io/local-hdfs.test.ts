import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SparkContext } from '../../../src/core/context.js';
import type { FilePartition } from '../../../src/core/rdd/spec.js';
import { hadoopCluster } from '../../support/hadoop.js';
import { tempDir } from '../../support/temp-dir.js';
import {
  SMALL_BLOCK,
  countWords,
  filesUnder,
  hdfsTestDir,
  readPartFiles,
  webHdfs,
  wordLines,
  writeLines,
} from './support.js';

/**
 * The engine's HDFS I/O in local[2] with the test cluster's Hadoop configuration
 * (HADOOP_CONF_DIR): hdfs:// and scheme-less paths, block splits, the commit
 * protocol on HDFS. Inputs are written and outputs read back over WebHDFS
 * directly, and every expected value is computed here with plain loops.
 */

const cluster = hadoopCluster();
const client = webHdfs(cluster);
const base = hdfsTestDir('hdfs-io-local');
const inputPath = `${base}/in/words.txt`;
// 4.5 blocks: the last block is well over the 10 % split slop, so splits = blocks
const lines = wordLines(4.5 * SMALL_BLOCK);

let sc: SparkContext;

beforeAll(async () => {
  await client.mkdirs(base);
  await writeLines(client, inputPath, lines, SMALL_BLOCK);
  sc = new SparkContext({
    master: 'local[2]',
    appName: 'hdfs-io-local',
    progress: false,
    conf: { 'spark.local.dir': tempDir('tspark-hdfs-io-') },
    env: { HADOOP_CONF_DIR: cluster.confDir, HADOOP_USER_NAME: cluster.user },
  });
}, 120_000);

afterAll(async () => {
  await sc?.stop();
  await client.delete(base, true);
});

describe('HDFS I/O in local[2] with a Hadoop configuration', () => {
  it('textFile over a multi-block file: one split per block, with its hosts, every line exactly once', async () => {
    const blocks = await client.getFileBlockLocations(inputPath, 0);
    expect(blocks.length).toBe(5);
    const rdd = sc.textFile(`${cluster.defaultFS}${inputPath}`);
    expect(await rdd.getNumPartitions()).toBe(blocks.length);
    const splits = rdd.partitions.map((p) => (p as FilePartition).split);
    expect(splits.map((s) => [s.start, s.length])).toEqual(blocks.map((b) => [b.offset, b.length]));
    expect(splits.map((s) => s.hosts)).toEqual(blocks.map((b) => b.hosts));

    const read = await rdd.collect();
    expect(read.length).toBe(lines.length);
    expect(read).toEqual(lines);
  });

  it('resolves a path without a scheme against fs.defaultFS (HDFS)', async () => {
    expect(sc.conf.get('spark.hadoop.fs.defaultFS')).toBe(cluster.defaultFS);
    const rdd = sc.textFile(inputPath);
    expect(await rdd.count()).toBe(lines.length);
    const first = (rdd.partitions[0] as FilePartition).split.path;
    expect(first).toBe(`${cluster.defaultFS}${inputPath}`);
  });

  it('wholeTextFiles reads HDFS files', async () => {
    await writeLines(client, `${base}/small/a.txt`, ['alpha', 'beta'], SMALL_BLOCK);
    await writeLines(client, `${base}/small/b.txt`, ['gamma'], SMALL_BLOCK);
    const files = await sc.wholeTextFiles(`${base}/small`).collect();
    expect(new Map(files)).toEqual(
      new Map([
        [`${cluster.defaultFS}${base}/small/a.txt`, 'alpha\nbeta\n'],
        [`${cluster.defaultFS}${base}/small/b.txt`, 'gamma\n'],
      ]),
    );
  });

  it('WordCount to HDFS: part files and _SUCCESS, contents equal a plain count', async () => {
    const out = `${base}/wordcount`;
    await sc
      .textFile(inputPath)
      .flatMap((line: string) => line.split(' '))
      .filter((w: string) => w !== '')
      .map((w: string) => [w, 1] as [string, number])
      .reduceByKey((a: number, b: number) => a + b, 3)
      .map(([w, n]: [string, number]) => `${w}\t${n}`)
      .saveAsTextFile(out);

    expect(await client.exists(`${out}/_SUCCESS`)).toBe(true);
    expect(await client.exists(`${out}/_temporary`)).toBe(false);
    const names = (await client.listStatus(out)).map((s) => s.name).sort();
    expect(names).toEqual(['_SUCCESS', 'part-00000', 'part-00001', 'part-00002']);
    const written = new Map(
      (await readPartFiles(client, out)).map((l) => {
        const [w, n] = l.split('\t');
        return [w!, Number(n)] as const;
      }),
    );
    expect(written).toEqual(countWords(lines));
  });

  it('a job whose tasks always fail leaves no part file and no _SUCCESS', async () => {
    const out = `${base}/failed`;
    const job = sc
      .parallelize(
        Array.from({ length: 1000 }, (_, i) => i),
        4,
      )
      .map((x: number) => {
        if (x % 250 === 249) throw new Error(`record ${x} is bad`);
        return String(x);
      })
      .saveAsTextFile(out);
    await expect(job).rejects.toThrow(/record \d+ is bad/);
    const left = await filesUnder(client, out);
    expect(left.filter((f) => /\/part-\d+$/.test(f) || f.endsWith('/_SUCCESS'))).toEqual([]);
  });
});
