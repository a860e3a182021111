import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SparkContext } from '../../../src/core/context.js';
import { localClusterBackend } from '../../../src/core/scheduler/cluster/local-cluster.js';
import { silentLogger } from '../../../src/log.js';
import { hadoopCluster } from '../../support/hadoop.js';
import { tempDir } from '../../support/temp-dir.js';
import { ensureDistIsFresh } from '../local-cluster/build-dist.js';
import {
  SMALL_BLOCK,
  countWords,
  hdfsTestDir,
  readPartFiles,
  webHdfs,
  wordLines,
  writeLines,
} from './support.js';

/**
 * WordCount from HDFS to HDFS on `local-cluster[2,1,1024]`: the tasks run in the
 * worker threads of two executor processes, which learn HDFS only from the
 * configuration the driver sends them (no HADOOP_CONF_DIR in their environment
 * is needed). The expected count is computed here with a plain loop.
 */

const ROOT = fileURLToPath(new URL('../../..', import.meta.url));
const cluster = hadoopCluster();
const client = webHdfs(cluster);
const base = hdfsTestDir('hdfs-io-lc');
const inputPath = `${base}/in/words.txt`;
const lines = wordLines(3.5 * SMALL_BLOCK);

let sc: SparkContext;

beforeAll(async () => {
  ensureDistIsFresh(ROOT);
  await client.mkdirs(base);
  await writeLines(client, inputPath, lines, SMALL_BLOCK);
  sc = new SparkContext({
    master: 'local-cluster[2,1,1024]',
    appName: 'hdfs-io-local-cluster',
    progress: false,
    conf: { 'spark.local.dir': tempDir('tspark-hdfs-io-lc-') },
    env: { HADOOP_CONF_DIR: cluster.confDir, HADOOP_USER_NAME: cluster.user },
    backendFactory: (master, c, dir) =>
      localClusterBackend(master, c, dir, silentLogger(), 'hdfs-io-local-cluster'),
  });
}, 300_000);

afterAll(async () => {
  await sc?.stop();
  await client.delete(base, true);
});

describe('HDFS I/O on local-cluster[2,1,1024]', () => {
  it('WordCount reads a multi-block HDFS file and writes its result to HDFS', async () => {
    const blocks = await client.getFileBlockLocations(inputPath, 0);
    expect(blocks.length).toBe(4);
    const out = `${cluster.defaultFS}${base}/wordcount`;
    const input = sc.textFile(`${cluster.defaultFS}${inputPath}`);
    expect(await input.getNumPartitions()).toBe(blocks.length);
    await input
      .flatMap((line: string) => line.split(' '))
      .filter((w: string) => w !== '')
      .map((w: string) => [w, 1] as [string, number])
      .reduceByKey((a: number, b: number) => a + b, 2)
      .map(([w, n]: [string, number]) => `${w}\t${n}`)
      .saveAsTextFile(out);

    const names = (await client.listStatus(`${base}/wordcount`)).map((s) => s.name).sort();
    expect(names).toEqual(['_SUCCESS', 'part-00000', 'part-00001']);
    const written = new Map(
      (await readPartFiles(client, `${base}/wordcount`)).map((l) => {
        const [w, n] = l.split('\t');
        return [w!, Number(n)] as const;
      }),
    );
    expect(written).toEqual(countWords(lines));
  });
});
