import { copyFile, mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import * as tar from 'tar';
import { formatProperties } from '../conf/properties.js';
import { SECRET_KEY_PATTERN } from '../conf/registry.js';
import type { SparkConf } from '../conf/spark-conf.js';

/**
 * `__spark_conf__.tgz`, localized as the `__spark_conf__` directory of every
 * container: `__spark_conf__.properties` (the effective Spark configuration,
 * secrets left out: those travel in the launch context's credentials) and
 * `__hadoop_conf__/` (the client's Hadoop site files, so the AM and executors
 * see the cluster as the client did).
 */
export const CONF_ARCHIVE_NAME = '__spark_conf__.tgz';
export const SPARK_CONF_FILE = '__spark_conf__.properties';
export const HADOOP_CONF_SUBDIR = '__hadoop_conf__';

/** The configuration as written for containers: every key except secret-looking ones. */
export function containerConfEntries(conf: SparkConf): [string, string][] {
  return conf.entries().filter(([k]) => !SECRET_KEY_PATTERN.test(k));
}

/** Writes the archive into a fresh temporary directory; the caller removes `dir` when done. */
export async function buildConfArchive(
  conf: SparkConf,
  hadoopConfDirs: readonly string[],
): Promise<{ file: string; dir: string }> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'tspark-conf-'));
  try {
    const content = path.join(dir, 'content');
    await mkdir(path.join(content, HADOOP_CONF_SUBDIR), { recursive: true });
    await writeFile(
      path.join(content, SPARK_CONF_FILE),
      formatProperties(containerConfEntries(conf), 'tspark application configuration'),
    );
    // Later directories win, as with HADOOP_CONF_DIR before YARN_CONF_DIR.
    for (const confDir of hadoopConfDirs) {
      for (const entry of await readdir(confDir, { withFileTypes: true })) {
        if (entry.isFile() && entry.name.endsWith('.xml')) {
          await copyFile(path.join(confDir, entry.name), path.join(content, HADOOP_CONF_SUBDIR, entry.name));
        }
      }
    }
    const file = path.join(dir, CONF_ARCHIVE_NAME);
    await tar.c({ gzip: true, cwd: content, file, portable: true }, [SPARK_CONF_FILE, HADOOP_CONF_SUBDIR]);
    return { file, dir };
  } catch (e) {
    await rm(dir, { recursive: true, force: true });
    throw e;
  }
}
