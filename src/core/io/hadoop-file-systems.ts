import { userInfo } from 'node:os';
import { defaultFs, nameNodeHttpUrls } from '../../conf/hadoop-addresses.js';
import {
  applySparkHadoopOverrides,
  HadoopConf,
  hadoopConfDirs,
  loadHadoopConf,
} from '../../conf/hadoop-conf.js';
import type { SparkConf } from '../../conf/spark-conf.js';
import { ConfigError } from '../../errors.js';
import { HdfsFileSystem } from '../../hadoop/webhdfs/hdfs-filesystem.js';
import { DEFAULT_FS_KEY, type FileSystem, type FileSystemRegistry } from './file-system.js';
import { parsePath } from './paths.js';
import { defaultFileSystemRegistry } from './registry.js';

/**
 * `hdfs:` for the engine, from the Hadoop configuration (docs/internals/io.md, "HDFS").
 *
 * The driver resolves the Hadoop configuration once (HADOOP_CONF_DIR site files plus
 * `spark.hadoop.*`) and writes what a WebHDFS client needs into its SparkConf:
 *
 *   spark.hadoop.fs.defaultFS            hdfs://nn:8020 (also what bare paths resolve against)
 *   spark.tspark.hdfs.namenodeHttpUrls   http://nn:9870[,http://nn2:9870] (HA: every NameNode)
 *   spark.tspark.hdfs.user               the user WebHDFS acts as (HADOOP_USER_NAME, else the OS user)
 *
 * That SparkConf travels to every worker thread and executor (workerData, the
 * AppConfig message), so no process but the driver reads site files: an executor
 * container needs no HADOOP_CONF_DIR. The `hdfs` factory registered by
 * `installHadoopFileSystems` builds its file systems from these keys.
 */

export const HDFS_NAMENODE_HTTP_URLS_KEY = 'spark.tspark.hdfs.namenodeHttpUrls';
export const HDFS_USER_KEY = 'spark.tspark.hdfs.user';

type Env = Readonly<Record<string, string | undefined>>;

export interface HadoopSource {
  /** An already loaded Hadoop configuration (the AM's __hadoop_conf__); else read from `env`. */
  hadoopConf?: HadoopConf;
  /** HADOOP_CONF_DIR / YARN_CONF_DIR / HADOOP_USER_NAME come from here. */
  env?: Env;
  /** The user WebHDFS acts as; default HADOOP_USER_NAME, else the OS user. */
  user?: string;
}

/**
 * Adds the HDFS keys above to `conf` (in place) when the Hadoop configuration in
 * effect has an `hdfs://` fs.defaultFS; leaves `conf` alone when they are already
 * there (resolved upstream) or the default FS is not HDFS (bare paths stay local).
 */
export function resolveHadoopFileSystemConf(conf: SparkConf, source: HadoopSource = {}): SparkConf {
  if (conf.has(HDFS_NAMENODE_HTTP_URLS_KEY)) return conf;
  const env = source.env ?? {};
  const hadoopConf = source.hadoopConf ?? loadFromEnv(conf, env);
  const fs = defaultFs(hadoopConf);
  if (parsePath(fs).scheme !== 'hdfs') return conf;
  conf.set(DEFAULT_FS_KEY, fs);
  conf.set(HDFS_NAMENODE_HTTP_URLS_KEY, nameNodeHttpUrls(hadoopConf).join(','));
  if (!conf.has(HDFS_USER_KEY)) conf.set(HDFS_USER_KEY, source.user ?? (env.HADOOP_USER_NAME || osUser()));
  return conf;
}

function loadFromEnv(conf: SparkConf, env: Env): HadoopConf {
  const hasDirs = [env.HADOOP_CONF_DIR, env.YARN_CONF_DIR].some((d) => d !== undefined && d.trim() !== '');
  const options = { env, system: { 'user.name': env.HADOOP_USER_NAME || osUser() } };
  const base = hasDirs ? loadHadoopConf(hadoopConfDirs(env), options) : HadoopConf.withDefaults(options);
  return applySparkHadoopOverrides(base, conf.entries());
}

function osUser(): string {
  try {
    return userInfo().username;
  } catch {
    return 'dr.who';
  }
}

/** The HDFS file systems built in this thread, by authority, NameNodes and user (each remembers its active NameNode). */
const instances = new Map<string, HdfsFileSystem>();

/** The `hdfs` factory: reads the keys above from the conf it is handed. */
export function hdfsFromConf(conf: SparkConf, authority?: string): FileSystem {
  const urls = (conf.get(HDFS_NAMENODE_HTTP_URLS_KEY) ?? '')
    .split(',')
    .map((u) => u.trim())
    .filter((u) => u !== '');
  const defaultAuthority = parsePath(conf.get(DEFAULT_FS_KEY) ?? '').authority;
  if (urls.length === 0 || !defaultAuthority) {
    throw new ConfigError(
      'HDFS_NOT_CONFIGURED',
      'An hdfs:// path was used but no HDFS is configured: export HADOOP_CONF_DIR=<directory with core-site.xml ' +
        '(fs.defaultFS=hdfs://...) and hdfs-site.xml> before starting the driver, or set spark.hadoop.fs.defaultFS ' +
        'and spark.hadoop.dfs.namenode.http-address.',
    );
  }
  const key = authority === undefined || authority === '' ? defaultAuthority : authority;
  if (key !== defaultAuthority) {
    throw new ConfigError(
      'HDFS_UNKNOWN_AUTHORITY',
      `No NameNode HTTP address is known for hdfs://${key}: only the default FS hdfs://${defaultAuthority} ` +
        'is configured; use paths on it (or without a scheme).',
    );
  }
  const user = conf.get(HDFS_USER_KEY) ?? 'dr.who';
  const cacheKey = `${key}|${urls.join(',')}|${user}`;
  let fs = instances.get(cacheKey);
  if (!fs) {
    fs = new HdfsFileSystem({ uri: `hdfs://${key}`, namenodes: urls, user });
    instances.set(cacheKey, fs);
  }
  return fs;
}

/**
 * Registers `hdfs` in this thread's registry (the registry is per process and per
 * worker thread). Called where file systems are used: the SparkContext (driver) and
 * every ExecutorState (local-mode and executor worker threads). Idempotent.
 */
export function installHadoopFileSystems(registry: FileSystemRegistry = defaultFileSystemRegistry): void {
  registry.register('hdfs', hdfsFromConf);
}
