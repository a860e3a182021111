import { defaultFs, nameNodeHttpUrls, resourceManagerWebUrls, stagingBaseDir } from '../conf/hadoop-addresses.js';
import type { HadoopConf } from '../conf/hadoop-conf.js';
import type { SparkConf } from '../conf/spark-conf.js';
import { ConfigError } from '../errors.js';
import { WebHdfsClient } from '../hadoop/webhdfs/client.js';
import type { Logger } from '../log.js';
import { ResourceManagerClient } from './rest/client.js';

/** The REST clients a YARN command needs, built once from the Hadoop configuration. */
export interface YarnClients {
  rm: ResourceManagerClient;
  hdfs: WebHdfsClient;
  defaultFs: string;
  user: string;
  /** `/user/<user>` or `<spark.yarn.stagingDir>/<user>`. */
  stagingBase: string;
}

export function requireHadoopConf(hadoopConf: HadoopConf | undefined): HadoopConf {
  if (!hadoopConf) {
    throw new ConfigError(
      'HADOOP_CONF_MISSING',
      'no Hadoop configuration was loaded: export HADOOP_CONF_DIR=<directory with core-site.xml, hdfs-site.xml and yarn-site.xml>',
    );
  }
  return hadoopConf;
}

export function rmClient(hadoopConf: HadoopConf, user: string, logger: Logger): ResourceManagerClient {
  return new ResourceManagerClient({ resourceManagers: resourceManagerWebUrls(hadoopConf), user, logger });
}

export function yarnClients(sparkConf: SparkConf, hadoopConf: HadoopConf, user: string, logger: Logger): YarnClients {
  const fs = defaultFs(hadoopConf);
  if (!fs.startsWith('hdfs://')) {
    throw new ConfigError(
      'DEFAULT_FS_NOT_HDFS',
      `fs.defaultFS is '${fs}', but YARN applications are staged in HDFS: set fs.defaultFS to the NameNode (hdfs://host:port) in core-site.xml`,
    );
  }
  return {
    rm: rmClient(hadoopConf, user, logger),
    hdfs: new WebHdfsClient({ namenodes: nameNodeHttpUrls(hadoopConf), user, logger }),
    defaultFs: fs,
    user,
    stagingBase: stagingBaseDir(sparkConf, hadoopConf, user),
  };
}
