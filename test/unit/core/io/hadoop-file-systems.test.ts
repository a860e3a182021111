import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { HadoopConf } from '../../../../src/conf/hadoop-conf.js';
import { SparkConf } from '../../../../src/conf/spark-conf.js';
import { FileSystemRegistry } from '../../../../src/core/io/file-system.js';
import {
  HDFS_NAMENODE_HTTP_URLS_KEY,
  HDFS_USER_KEY,
  installHadoopFileSystems,
  resolveHadoopFileSystemConf,
} from '../../../../src/core/io/hadoop-file-systems.js';
import { LocalFileSystem } from '../../../../src/core/io/local-file-system.js';
import { HdfsFileSystem } from '../../../../src/hadoop/webhdfs/hdfs-filesystem.js';
import { tempDir } from '../../../support/temp-dir.js';

function siteFile(props: Record<string, string>): string {
  const body = Object.entries(props)
    .map(([k, v]) => `<property><name>${k}</name><value>${v}</value></property>`)
    .join('');
  return `<?xml version="1.0"?><configuration>${body}</configuration>`;
}

function confDir(core: Record<string, string>, hdfs: Record<string, string> = {}): string {
  const dir = tempDir('tspark-hadoop-conf-');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'core-site.xml'), siteFile(core));
  writeFileSync(join(dir, 'hdfs-site.xml'), siteFile(hdfs));
  return dir;
}

function registry(): FileSystemRegistry {
  const r = new FileSystemRegistry();
  r.register('file', () => new LocalFileSystem());
  installHadoopFileSystems(r);
  return r;
}

describe('resolveHadoopFileSystemConf', () => {
  it('writes defaultFS, the NameNode HTTP URL and the user from HADOOP_CONF_DIR', () => {
    const dir = confDir(
      { 'fs.defaultFS': 'hdfs://nn.example:8020' },
      { 'dfs.namenode.http-address': 'nn.example:50070' },
    );
    const conf = resolveHadoopFileSystemConf(new SparkConf(), {
      env: { HADOOP_CONF_DIR: dir, HADOOP_USER_NAME: 'alice' },
    });
    expect(conf.get('spark.hadoop.fs.defaultFS')).toBe('hdfs://nn.example:8020');
    expect(conf.get(HDFS_NAMENODE_HTTP_URLS_KEY)).toBe('http://nn.example:50070');
    expect(conf.get(HDFS_USER_KEY)).toBe('alice');
  });

  it('lists every NameNode of an HA nameservice', () => {
    const hadoopConf = HadoopConf.withDefaults();
    for (const [k, v] of Object.entries({
      'fs.defaultFS': 'hdfs://ns1',
      'dfs.nameservices': 'ns1',
      'dfs.ha.namenodes.ns1': 'nn1,nn2',
      'dfs.namenode.http-address.ns1.nn1': 'a:9870',
      'dfs.namenode.http-address.ns1.nn2': 'b:9870',
    }))
      hadoopConf.set(k, v);
    const conf = resolveHadoopFileSystemConf(new SparkConf(), { hadoopConf, user: 'bob' });
    expect(conf.get(HDFS_NAMENODE_HTTP_URLS_KEY)).toBe('http://a:9870,http://b:9870');
    expect(conf.get(HDFS_USER_KEY)).toBe('bob');
    const fs = registry().fileSystemFor('/data/x', conf) as HdfsFileSystem;
    expect(fs).toBeInstanceOf(HdfsFileSystem);
    expect(fs.qualify('/data/x')).toBe('hdfs://ns1/data/x');
  });

  it('spark.hadoop.* overrides the site files, as in Spark', () => {
    const dir = confDir({ 'fs.defaultFS': 'hdfs://old:8020' });
    const conf = resolveHadoopFileSystemConf(
      new SparkConf({ 'spark.hadoop.fs.defaultFS': 'hdfs://new:9000' }),
      {
        env: { HADOOP_CONF_DIR: dir },
      },
    );
    expect(conf.get('spark.hadoop.fs.defaultFS')).toBe('hdfs://new:9000');
    // the default http-address 0.0.0.0:9870 takes the host of fs.defaultFS
    expect(conf.get(HDFS_NAMENODE_HTTP_URLS_KEY)).toBe('http://new:9870');
  });

  it('leaves the conf alone without a Hadoop configuration or with a non-HDFS defaultFS', () => {
    expect(resolveHadoopFileSystemConf(new SparkConf(), { env: {} }).entries()).toEqual([]);
    const dir = confDir({ 'fs.defaultFS': 'file:///' });
    expect(resolveHadoopFileSystemConf(new SparkConf(), { env: { HADOOP_CONF_DIR: dir } }).entries()).toEqual(
      [],
    );
  });

  it('keeps keys resolved upstream (an executor, the AM)', () => {
    const conf = new SparkConf({
      [HDFS_NAMENODE_HTTP_URLS_KEY]: 'http://x:1',
      'spark.hadoop.fs.defaultFS': 'hdfs://x:2',
    });
    const dir = confDir({ 'fs.defaultFS': 'hdfs://other:8020' });
    resolveHadoopFileSystemConf(conf, { env: { HADOOP_CONF_DIR: dir } });
    expect(conf.get(HDFS_NAMENODE_HTTP_URLS_KEY)).toBe('http://x:1');
    expect(conf.get('spark.hadoop.fs.defaultFS')).toBe('hdfs://x:2');
  });
});

describe('the hdfs factory and bare paths', () => {
  const hdfsConf = new SparkConf({
    'spark.hadoop.fs.defaultFS': 'hdfs://nn:8020',
    [HDFS_NAMENODE_HTTP_URLS_KEY]: 'http://nn:9870',
    [HDFS_USER_KEY]: 'carol',
  });

  it('bare paths are local without an HDFS defaultFS, on HDFS with one', () => {
    const r = registry();
    expect(r.fileSystemFor('/tmp/x', new SparkConf())).toBeInstanceOf(LocalFileSystem);
    const fs = r.fileSystemFor('/tmp/x', hdfsConf) as HdfsFileSystem;
    expect(fs).toBeInstanceOf(HdfsFileSystem);
    expect(fs.qualify('/tmp/x')).toBe('hdfs://nn:8020/tmp/x');
    // relative paths are under the user's HDFS home, as in Hadoop
    expect(fs.qualify('data/x')).toBe('hdfs://nn:8020/user/carol/data/x');
    expect(r.fileSystemFor('file:///tmp/x', hdfsConf)).toBeInstanceOf(LocalFileSystem);
    // one instance per authority and settings: it remembers the active NameNode
    expect(r.fileSystemFor('hdfs:///y', hdfsConf)).toBe(fs);
    expect(r.fileSystemFor('hdfs://nn:8020/y', hdfsConf)).toBe(fs);
  });

  it('explains what to configure when hdfs: is used without HDFS settings, or on another cluster', () => {
    const r = registry();
    expect(() => r.fileSystemFor('hdfs://nn:8020/x', new SparkConf())).toThrow(
      expect.objectContaining({
        code: 'HDFS_NOT_CONFIGURED',
        message: expect.stringContaining('HADOOP_CONF_DIR'),
      }),
    );
    expect(() => r.fileSystemFor('hdfs://elsewhere:8020/x', hdfsConf)).toThrow(
      expect.objectContaining({ code: 'HDFS_UNKNOWN_AUTHORITY' }),
    );
  });
});
