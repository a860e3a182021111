import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError, ExitCode } from '../errors.js';
import { parseHadoopXml, type HadoopResource } from './hadoop-xml.js';
import { redactValue } from './registry.js';

/**
 * Hadoop configuration as org.apache.hadoop.conf.Configuration resolves it,
 * for the handful of keys tspark needs:
 *
 * - resources are applied in order; a later resource overrides an earlier one
 *   unless the earlier one marked the property `final` (the override is then
 *   ignored with a warning, as Hadoop does);
 * - values are expanded on read: `${name}` is replaced by, in this order,
 *   the environment variable `NAME` when written `${env.NAME}` (with Hadoop's
 *   `${env.NAME:-default}` and `${env.NAME-default}` forms), a system
 *   property (the `system` map: `user.name`, ...), or another property of
 *   this configuration; an unbound variable is left as written; expansion
 *   stops after 20 rounds (Hadoop's MAX_SUBST) with an error;
 * - `spark.hadoop.foo=bar` from the Spark configuration sets `foo=bar` after
 *   the files, as Spark's SparkHadoopUtil does (`set` ignores `final`, as in
 *   Hadoop).
 */

/** The site files tspark reads from each configuration directory, in load order. */
export const SITE_FILES = ['core-site.xml', 'hdfs-site.xml', 'yarn-site.xml'] as const;

/**
 * Defaults from Hadoop's core-default.xml, hdfs-default.xml and
 * yarn-default.xml for the keys resolved in hadoop-addresses.ts (Hadoop 3.x
 * values). They sit below every site file, like the *-default.xml resources.
 */
export const HADOOP_DEFAULTS: Readonly<Record<string, string>> = {
  'fs.defaultFS': 'file:///',
  'hadoop.tmp.dir': '/tmp/hadoop-${user.name}',
  'dfs.namenode.http-address': '0.0.0.0:9870',
  'dfs.namenode.https-address': '0.0.0.0:9871',
  'dfs.http.policy': 'HTTP_ONLY',
  'dfs.user.home.dir.prefix': '/user',
  'yarn.resourcemanager.hostname': '0.0.0.0',
  'yarn.resourcemanager.address': '${yarn.resourcemanager.hostname}:8032',
  'yarn.resourcemanager.scheduler.address': '${yarn.resourcemanager.hostname}:8030',
  'yarn.resourcemanager.webapp.address': '${yarn.resourcemanager.hostname}:8088',
  'yarn.resourcemanager.webapp.https.address': '${yarn.resourcemanager.hostname}:8090',
  'yarn.resourcemanager.ha.enabled': 'false',
  'yarn.http.policy': 'HTTP_ONLY',
};

const MAX_SUBST = 20;
const VAR_PATTERN = /\$\{([^}$\s]+)\}/;

export interface HadoopConfOptions {
  /** Environment variables for `${env.NAME}`. Read at the entry point and passed in. */
  env?: Readonly<Record<string, string | undefined>>;
  /** Java-style system properties for `${name}`, e.g. { 'user.name': 'alice' }. */
  system?: Readonly<Record<string, string | undefined>>;
}

export class HadoopConf {
  private readonly values = new Map<string, { value: string; source: string }>();
  private readonly finals = new Set<string>();
  private readonly env: Readonly<Record<string, string | undefined>>;
  private readonly system: Readonly<Record<string, string | undefined>>;
  /** Files (or descriptions) applied, in order. */
  readonly sources: string[] = [];
  /** Ignored elements and refused overrides of final properties. */
  readonly warnings: string[] = [];

  constructor(options: HadoopConfOptions = {}) {
    this.env = options.env ?? {};
    this.system = options.system ?? {};
  }

  /** A configuration holding Hadoop's defaults for the keys tspark resolves. */
  static withDefaults(options: HadoopConfOptions = {}): HadoopConf {
    const conf = new HadoopConf(options);
    conf.addResource({
      source: 'built-in defaults (Hadoop *-default.xml)',
      properties: Object.entries(HADOOP_DEFAULTS).map(([name, value]) => ({ name, value, final: false })),
      warnings: [],
    });
    return conf;
  }

  /** Applies one resource on top of what is loaded, honouring `final`. */
  addResource(resource: HadoopResource): this {
    this.sources.push(resource.source);
    this.warnings.push(...resource.warnings);
    for (const p of resource.properties) {
      if (this.finals.has(p.name)) {
        const old = this.values.get(p.name);
        if (old && old.value !== p.value) {
          this.warnings.push(
            `${resource.source}: an attempt to override final parameter ${p.name} (set in ${old.source}) was ignored`,
          );
        }
        continue;
      }
      this.values.set(p.name, { value: p.value, source: resource.source });
      if (p.final) this.finals.add(p.name);
    }
    return this;
  }

  /** Reads and applies a site file. */
  addFile(path: string): this {
    let xml: string;
    try {
      xml = readFileSync(path, 'utf8');
    } catch (e) {
      throw new ConfigError(
        'HADOOP_CONF_UNREADABLE',
        `${path} cannot be read (${(e as NodeJS.ErrnoException).code ?? String(e)}): check its permissions`,
        { cause: e, exitCode: ExitCode.HADOOP_CONF_MISSING, context: { path } },
      );
    }
    return this.addResource(parseHadoopXml(xml, path));
  }

  /** Sets a value programmatically (spark.hadoop.* overlay); like Hadoop's set, ignores final. */
  set(name: string, value: string, source = 'programmatically'): this {
    this.values.set(name, { value, source });
    return this;
  }

  /** The value as written, without substitution. */
  getRaw(name: string): string | undefined {
    return this.values.get(name)?.value;
  }

  /** Where the current value of `name` came from. */
  sourceOf(name: string): string | undefined {
    return this.values.get(name)?.source;
  }

  isFinal(name: string): boolean {
    return this.finals.has(name);
  }

  /** The value with `${var}` expanded. */
  get(name: string): string | undefined {
    const raw = this.getRaw(name);
    return raw === undefined ? undefined : this.substitute(raw, name);
  }

  /** The expanded value, trimmed; empty counts as unset. */
  getTrimmed(name: string): string | undefined {
    const v = this.get(name)?.trim();
    return v === undefined || v === '' ? undefined : v;
  }

  /** A comma-separated list, each entry trimmed, empty entries dropped. */
  getTrimmedStrings(name: string): string[] {
    return (this.get(name) ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s !== '');
  }

  getBoolean(name: string, fallback: boolean): boolean {
    const v = this.getTrimmed(name)?.toLowerCase();
    if (v === 'true') return true;
    if (v === 'false') return false;
    return fallback;
  }

  /** Every property, expanded, with secret-looking values redacted: for printing. */
  redactedEntries(): [string, string][] {
    return this.entries().map(([k, v]) => [k, redactValue(k, v)]);
  }

  /** Every property, expanded, sorted by name (for writing __spark_hadoop_conf__.xml). */
  entries(): [string, string][] {
    return [...this.values.keys()].sort().map((k) => [k, this.get(k) ?? '']);
  }

  private lookupVariable(variable: string): string | undefined {
    if (variable.startsWith('env.') && variable.length > 4) {
      const spec = variable.slice(4);
      // ${env.NAME:-default}: default when unset or empty; ${env.NAME-default}: when unset.
      const colonDash = spec.indexOf(':-');
      const dash = spec.indexOf('-');
      if (colonDash > 0 && colonDash <= dash) {
        const v = this.env[spec.slice(0, colonDash)];
        return v === undefined || v === '' ? spec.slice(colonDash + 2) : v;
      }
      if (dash > 0) {
        const v = this.env[spec.slice(0, dash)];
        return v === undefined ? spec.slice(dash + 1) : v;
      }
      const v = this.env[spec];
      if (v !== undefined) return v;
    }
    return this.system[variable] ?? this.getRaw(variable);
  }

  private substitute(expr: string, name: string): string {
    let current = expr;
    for (let round = 0; round < MAX_SUBST; round++) {
      const m = VAR_PATTERN.exec(current);
      if (!m) return current;
      const variable = m[1]!;
      const value = this.lookupVariable(variable);
      if (value === undefined) return current; // unbound: Hadoop leaves the rest as written
      // A value referring to itself would never converge; Hadoop returns the original expression.
      if (value.includes(m[0])) return expr;
      current = current.slice(0, m.index) + value + current.slice(m.index + m[0].length);
    }
    throw new ConfigError(
      'HADOOP_CONF_SUBSTITUTION',
      `${name}: variable substitution is deeper than ${MAX_SUBST} levels in '${expr}': remove the circular \${...} references`,
      { exitCode: ExitCode.CONFIG, context: { key: name } },
    );
  }
}

/**
 * The configuration directories spark-submit reads for YARN: HADOOP_CONF_DIR,
 * then YARN_CONF_DIR (when different). Throws HADOOP_CONF_MISSING when
 * neither is set.
 */
export function hadoopConfDirs(env: Readonly<Record<string, string | undefined>>): string[] {
  const dirs = [env.HADOOP_CONF_DIR, env.YARN_CONF_DIR].filter((d): d is string => !!d && d.trim() !== '');
  if (dirs.length === 0) {
    throw new ConfigError(
      'HADOOP_CONF_MISSING',
      'neither HADOOP_CONF_DIR nor YARN_CONF_DIR is set, so the YARN ResourceManager cannot be found: ' +
        'export HADOOP_CONF_DIR=<directory with core-site.xml and yarn-site.xml>',
      { exitCode: ExitCode.HADOOP_CONF_MISSING },
    );
  }
  return [...new Set(dirs)];
}

/**
 * Loads defaults plus the site files of each directory. A directory that is
 * missing, unreadable, or holds none of the site files is an error: a YARN
 * submission without them would talk to 0.0.0.0.
 */
export function loadHadoopConf(dirs: readonly string[], options: HadoopConfOptions = {}): HadoopConf {
  const conf = HadoopConf.withDefaults(options);
  for (const dir of dirs) {
    let names: string[];
    try {
      if (!statSync(dir).isDirectory())
        throw Object.assign(new Error('not a directory'), { code: 'ENOTDIR' });
      names = readdirSync(dir);
    } catch (e) {
      throw new ConfigError(
        'HADOOP_CONF_MISSING',
        `Hadoop configuration directory ${dir} cannot be read (${(e as NodeJS.ErrnoException).code ?? String(e)}): ` +
          'point HADOOP_CONF_DIR at the directory that holds core-site.xml and yarn-site.xml',
        { cause: e, exitCode: ExitCode.HADOOP_CONF_MISSING, context: { path: dir } },
      );
    }
    const present = SITE_FILES.filter((f) => names.includes(f));
    if (present.length === 0) {
      throw new ConfigError(
        'HADOOP_CONF_MISSING',
        `Hadoop configuration directory ${dir} holds none of ${SITE_FILES.join(', ')}: ` +
          'point HADOOP_CONF_DIR at the directory that holds them',
        { exitCode: ExitCode.HADOOP_CONF_MISSING, context: { path: dir } },
      );
    }
    for (const f of present) conf.addFile(join(dir, f));
  }
  return conf;
}

/** Applies `spark.hadoop.*` keys of a Spark configuration, as SparkHadoopUtil does. */
export function applySparkHadoopOverrides(
  conf: HadoopConf,
  sparkEntries: Iterable<readonly [string, string]>,
): HadoopConf {
  for (const [k, v] of sparkEntries) {
    if (k.startsWith('spark.hadoop.') && k.length > 'spark.hadoop.'.length) {
      conf.set(k.slice('spark.hadoop.'.length), v, `Spark configuration ${k}`);
    }
  }
  return conf;
}
