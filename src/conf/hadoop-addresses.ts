import { ConfigError, ExitCode } from '../errors.js';
import type { HadoopConf } from './hadoop-conf.js';
import type { SparkConf } from './spark-conf.js';

/**
 * The addresses tspark needs, resolved from Hadoop configuration the way the
 * Hadoop client libraries resolve them (YarnConfiguration / HAUtil /
 * WebAppUtils for the ResourceManager, DFSUtil for the NameNode), including
 * ResourceManager HA (`yarn.resourcemanager.ha.rm-ids`) and HDFS nameservices
 * (`dfs.nameservices`, `dfs.ha.namenodes.<ns>`).
 */

const RM_WEBAPP_PORT = 8088;
const RM_WEBAPP_HTTPS_PORT = 8090;
const RM_SCHEDULER_PORT = 8030;

function configError(message: string, key: string): ConfigError {
  return new ConfigError('HADOOP_CONF_INCOMPLETE', message, { exitCode: ExitCode.CONFIG, context: { key } });
}

/** RM HA ids when `yarn.resourcemanager.ha.enabled` is true, else undefined. */
export function resourceManagerHaIds(conf: HadoopConf): string[] | undefined {
  if (!conf.getBoolean('yarn.resourcemanager.ha.enabled', false)) return undefined;
  const ids = conf.getTrimmedStrings('yarn.resourcemanager.ha.rm-ids');
  if (ids.length === 0) {
    throw configError(
      'yarn.resourcemanager.ha.enabled is true but yarn.resourcemanager.ha.rm-ids is empty: list the ResourceManager ids (e.g. rm1,rm2) in yarn-site.xml',
      'yarn.resourcemanager.ha.rm-ids',
    );
  }
  return ids;
}

/**
 * One address per RM (one without HA): `<key>.<id>` when set, else
 * `yarn.resourcemanager.hostname.<id>` with the default port.
 */
function rmAddresses(conf: HadoopConf, key: string, defaultPort: number): string[] {
  const ids = resourceManagerHaIds(conf);
  if (ids === undefined) {
    const v = conf.getTrimmed(key);
    if (v === undefined) throw configError(`${key} is empty: set it in yarn-site.xml`, key);
    return [v];
  }
  return ids.map((id) => {
    const explicit = conf.getTrimmed(`${key}.${id}`);
    if (explicit !== undefined) return explicit;
    const host = conf.getTrimmed(`yarn.resourcemanager.hostname.${id}`);
    if (host !== undefined) return `${host}:${defaultPort}`;
    throw configError(
      `ResourceManager HA id '${id}' has neither ${key}.${id} nor yarn.resourcemanager.hostname.${id}: set one of them in yarn-site.xml`,
      `${key}.${id}`,
    );
  });
}

/** Base URLs of the RM web services (REST), one per RM, scheme from yarn.http.policy. */
export function resourceManagerWebUrls(conf: HadoopConf): string[] {
  const https = conf.getTrimmed('yarn.http.policy') === 'HTTPS_ONLY';
  const key = https ? 'yarn.resourcemanager.webapp.https.address' : 'yarn.resourcemanager.webapp.address';
  const port = https ? RM_WEBAPP_HTTPS_PORT : RM_WEBAPP_PORT;
  return rmAddresses(conf, key, port).map((a) => `${https ? 'https' : 'http'}://${a}`);
}

/** host:port of the RM scheduler (ApplicationMasterProtocol), one per RM. */
export function resourceManagerSchedulerAddresses(conf: HadoopConf): string[] {
  return rmAddresses(conf, 'yarn.resourcemanager.scheduler.address', RM_SCHEDULER_PORT);
}

/** fs.defaultFS, e.g. hdfs://namenode:8020 or hdfs://nameservice1. */
export function defaultFs(conf: HadoopConf): string {
  return conf.getTrimmed('fs.defaultFS') ?? 'file:///';
}

function splitHostPort(address: string): { host: string; port: string | undefined } {
  const m = /^\[?([^\]]*?)\]?(?::(\d+))?$/.exec(address);
  return { host: m?.[1] ?? address, port: m?.[2] };
}

/**
 * Base URLs of the NameNode HTTP servers (WebHDFS), one per NameNode of the
 * default nameservice (HA), or one. A wildcard host (0.0.0.0) is replaced by
 * the host of fs.defaultFS, as DFSUtil does.
 */
export function nameNodeHttpUrls(conf: HadoopConf): string[] {
  const fsUri = defaultFs(conf);
  let authorityHost: string;
  try {
    const u = new URL(fsUri);
    if (u.protocol !== 'hdfs:') throw new Error(`scheme ${u.protocol}`);
    authorityHost = u.hostname;
  } catch {
    throw configError(
      `fs.defaultFS is '${fsUri}', not an hdfs:// URI: tspark stages applications in HDFS, set fs.defaultFS in core-site.xml`,
      'fs.defaultFS',
    );
  }
  const https = conf.getTrimmed('dfs.http.policy') === 'HTTPS_ONLY';
  const key = https ? 'dfs.namenode.https-address' : 'dfs.namenode.http-address';
  const scheme = https ? 'https' : 'http';
  const nameservices = [
    ...conf.getTrimmedStrings('dfs.nameservices'),
    ...conf.getTrimmedStrings('dfs.internal.nameservices'),
  ];
  let addresses: string[];
  if (nameservices.includes(authorityHost)) {
    const ns = authorityHost;
    const nnIds = conf.getTrimmedStrings(`dfs.ha.namenodes.${ns}`);
    if (nnIds.length > 0) {
      addresses = nnIds.map((id) => {
        const a = conf.getTrimmed(`${key}.${ns}.${id}`);
        if (a === undefined) {
          throw configError(
            `NameNode '${id}' of nameservice '${ns}' has no ${key}.${ns}.${id}: set it in hdfs-site.xml`,
            `${key}.${ns}.${id}`,
          );
        }
        return a;
      });
    } else {
      addresses = [conf.getTrimmed(`${key}.${ns}`) ?? conf.getTrimmed(key) ?? ''];
    }
  } else {
    addresses = [conf.getTrimmed(key) ?? ''];
  }
  return addresses.map((a) => {
    const { host, port } = splitHostPort(a);
    const h = host === '' || host === '0.0.0.0' ? authorityHost : host;
    return `${scheme}://${h.includes(':') ? `[${h}]` : h}${port ? `:${port}` : ''}`;
  });
}

/**
 * The directory under which `.sparkStaging/<appId>` is created: with
 * spark.yarn.stagingDir set, `<stagingDir>/<user>` (Spark 3 appends the
 * user); otherwise the user's HDFS home, `<dfs.user.home.dir.prefix>/<user>`.
 */
export function stagingBaseDir(sparkConf: SparkConf, hadoopConf: HadoopConf, user: string): string {
  const configured = sparkConf.get('spark.yarn.stagingDir')?.trim();
  if (configured) return `${configured.replace(/\/+$/, '')}/${user}`;
  const prefix = (hadoopConf.getTrimmed('dfs.user.home.dir.prefix') ?? '/user').replace(/\/+$/, '');
  return `${prefix}/${user}`;
}

/** `<base>/.sparkStaging/<appId>`, the application's staging directory. */
export function appStagingDir(baseDir: string, appId: string): string {
  return `${baseDir.replace(/\/+$/, '')}/.sparkStaging/${appId}`;
}
