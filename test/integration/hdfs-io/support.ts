import { randomBytes } from 'node:crypto';
import { WebHdfsClient } from '../../../src/hadoop/webhdfs/client.js';
import type { HadoopCluster } from '../../support/hadoop.js';

/** Blocks of the test input files: the NameNode's minimum (dfs.namenode.fs-limits.min-block-size), so a few MiB span several blocks. */
export const SMALL_BLOCK = 1024 * 1024;

export function webHdfs(cluster: HadoopCluster): WebHdfsClient {
  return new WebHdfsClient({ namenodes: [cluster.nameNodeUrl], user: cluster.user });
}

/** A fresh HDFS directory name under /tmp for one test file. */
export function hdfsTestDir(tag: string): string {
  return `/tmp/tspark-it-${tag}-${process.pid}-${randomBytes(3).toString('hex')}`;
}

/**
 * Lines of words, deterministic, `bytes` long or a little more: line i holds
 * words w<(i*k) mod 997> so that counts differ between words.
 */
export function wordLines(bytes: number): string[] {
  const lines: string[] = [];
  let size = 0;
  for (let i = 0; size < bytes; i++) {
    const words: string[] = [];
    for (let k = 1; k <= 1 + (i % 9); k++) words.push(`w${(i * k * 31 + k) % 997}`);
    const line = `${i} ${words.join(' ')}`;
    lines.push(line);
    size += Buffer.byteLength(line) + 1;
  }
  return lines;
}

/** Writes `lines` (each followed by \n) as one file with the given block size. */
export async function writeLines(
  client: WebHdfsClient,
  path: string,
  lines: readonly string[],
  blockSize: number,
): Promise<void> {
  await client.create(path, Buffer.from(`${lines.join('\n')}\n`, 'utf8'), { blockSize });
}

/** Every word occurrence counted with a plain loop: the expected WordCount. */
export function countWords(lines: readonly string[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const line of lines) {
    for (const w of line.split(' ')) {
      if (w !== '') counts.set(w, (counts.get(w) ?? 0) + 1);
    }
  }
  return counts;
}

/** The concatenated part files of an output directory, read over WebHDFS, as lines. */
export async function readPartFiles(client: WebHdfsClient, dir: string): Promise<string[]> {
  const parts = (await client.listStatus(dir))
    .filter((s) => s.name.startsWith('part-'))
    .sort((a, b) => (a.name < b.name ? -1 : 1));
  const lines: string[] = [];
  for (const p of parts) {
    const text = (await client.readAll(p.path)).toString('utf8');
    if (text !== '') lines.push(...text.replace(/\n$/, '').split('\n'));
  }
  return lines;
}

/** Every file (not directory) under `dir`, recursively; [] if `dir` does not exist. */
export async function filesUnder(client: WebHdfsClient, dir: string): Promise<string[]> {
  if (!(await client.exists(dir))) return [];
  const out: string[] = [];
  for (const s of await client.listStatus(dir)) {
    if (s.type === 'DIRECTORY') out.push(...(await filesUnder(client, s.path)));
    else out.push(s.path);
  }
  return out;
}
