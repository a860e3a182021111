import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { resourceManagerWebUrls } from '../../../src/conf/hadoop-addresses.js';
import { MIN_HEAP_MIB, planSubmit, type PlannerContext } from '../../../src/deploy/planner.js';
import { emptySubmitArguments, type SubmitArguments } from '../../../src/deploy/submit-plan.js';
import { ExitCode, type TsparkError } from '../../../src/errors.js';
import { tempDir } from '../../support/temp-dir.js';

const root = tempDir('tspark-plan-');
const appDir = join(root, 'apps');
mkdirSync(appDir);
writeFileSync(
  join(appDir, 'app.js'),
  'export default async function main(sc, args) {}\nexport async function WordCount(sc, args) {}\n',
);
writeFileSync(join(appDir, 'named-only.mjs'), 'export function Job() {}\n');
writeFileSync(join(appDir, 'data.txt'), 'x\n');
writeFileSync(join(appDir, 'notes.md'), '# not a module\n');

const hadoopDir = join(root, 'hadoop-conf');
mkdirSync(hadoopDir);
const property = (n: string, v: string): string =>
  `<property><name>${n}</name><value>${v}</value></property>`;
writeFileSync(
  join(hadoopDir, 'yarn-site.xml'),
  `<?xml version="1.0"?>\n<configuration>\n${property('yarn.resourcemanager.hostname', 'rm.test')}\n</configuration>\n`,
);
writeFileSync(
  join(hadoopDir, 'core-site.xml'),
  `<configuration>${property('fs.defaultFS', 'hdfs://nn.test:8020')}</configuration>\n`,
);

const badXmlDir = join(root, 'bad-xml');
mkdirSync(badXmlDir);
writeFileSync(
  join(badXmlDir, 'core-site.xml'),
  '<configuration>\n<property>\n<name>x</name>\n</configuration>\n',
);

function ctx(over: Partial<PlannerContext> = {}): PlannerContext {
  return { env: {}, cwd: appDir, cores: 7, osUser: 'alice', ...over };
}

function args(over: Partial<SubmitArguments>): SubmitArguments {
  return { ...emptySubmitArguments(), ...over };
}

async function planError(a: SubmitArguments, c: PlannerContext = ctx()): Promise<TsparkError> {
  try {
    await planSubmit(a, c);
  } catch (e) {
    return e as TsparkError;
  }
  throw new Error('expected the plan to fail');
}

function writeConf(name: string, text: string): string {
  const p = join(root, name);
  writeFileSync(p, text);
  return p;
}

describe('seed commands', () => {
  it('tspark-submit --class WordCount --master yarn-cluster --driver-memory 385m --executor-memory 410m app.js /tmp/test1 2', async () => {
    const plan = await planSubmit(
      args({
        mainExport: 'WordCount',
        master: 'yarn-cluster',
        driverMemory: '385m',
        executorMemory: '410m',
        entry: 'app.js',
        appArgs: ['/tmp/test1', '2'],
      }),
      ctx({ env: { HADOOP_CONF_DIR: hadoopDir } }),
    );
    expect(plan.action).toBe('submit');
    expect(plan.mode).toBe('yarn-cluster');
    expect(plan.master).toBe('yarn');
    expect(plan.deployMode).toBe('cluster');
    expect(plan.entry).toBe(join(appDir, 'app.js'));
    expect(plan.mainExport).toBe('WordCount');
    expect(plan.appArgs).toEqual(['/tmp/test1', '2']);
    expect(plan.conf.get('spark.master')).toBe('yarn');
    expect(plan.conf.get('spark.submit.deployMode')).toBe('cluster');
    expect(plan.conf.get('spark.driver.memory')).toBe('385m');
    expect(plan.conf.get('spark.executor.memory')).toBe('410m');
    expect(plan.conf.get('spark.app.name')).toBe('WordCount');
    expect(plan.warnings).toContain(
      "master 'yarn-cluster' is deprecated: use --master yarn --deploy-mode cluster",
    );
    expect(plan.hadoopConfDirs).toEqual([hadoopDir]);
    expect(resourceManagerWebUrls(plan.hadoopConf!)).toEqual(['http://rm.test:8088']);
    expect(plan.user).toBe('alice');
  });

  it('tspark-submit --master local[8] app.js', async () => {
    const plan = await planSubmit(args({ master: 'local[8]', entry: 'app.js' }), ctx());
    expect(plan.mode).toBe('local');
    expect(plan.master).toBe('local[8]');
    expect(plan.deployMode).toBe('client');
    expect(plan.local).toEqual({ threads: 8, maxFailures: 1 });
    expect(plan.mainExport).toBe('default');
    expect(plan.appArgs).toEqual([]);
    expect(plan.conf.get('spark.app.name')).toBe('app');
    expect(plan.hadoopConf).toBeUndefined();
    expect(plan.warnings).toEqual([]);
  });
});

describe('precedence: command line > properties file > environment', () => {
  const file = writeConf(
    'prec.conf',
    'spark.executor.memory 2g\nspark.master local[3]\nspark.app.name from-file\n',
  );

  it('takes the environment when nothing else is given', async () => {
    const plan = await planSubmit(
      args({ entry: 'app.js' }),
      ctx({
        env: {
          SPARK_EXECUTOR_MEMORY: '3g',
          MASTER: 'local[2]',
          SPARK_DRIVER_MEMORY: '700m',
          SPARK_EXECUTOR_CORES: '3',
        },
      }),
    );
    expect(plan.conf.get('spark.executor.memory')).toBe('3g');
    expect(plan.conf.get('spark.driver.memory')).toBe('700m');
    expect(plan.conf.get('spark.executor.cores')).toBe('3');
    expect(plan.local?.threads).toBe(2);
  });

  it('lets the properties file beat the environment', async () => {
    const plan = await planSubmit(
      args({ entry: 'app.js', propertiesFile: file }),
      ctx({ env: { SPARK_EXECUTOR_MEMORY: '3g', MASTER: 'local[2]' } }),
    );
    expect(plan.conf.get('spark.executor.memory')).toBe('2g');
    expect(plan.local?.threads).toBe(3);
    expect(plan.conf.get('spark.app.name')).toBe('from-file');
    expect(plan.propertiesFile).toBe(file);
  });

  it('lets --conf beat the file, and a flag beat --conf for the same key', async () => {
    const withConf = await planSubmit(
      args({ entry: 'app.js', propertiesFile: file, conf: ['spark.executor.memory=1500m'] }),
      ctx({ env: { SPARK_EXECUTOR_MEMORY: '3g' } }),
    );
    expect(withConf.conf.get('spark.executor.memory')).toBe('1500m');
    const withFlag = await planSubmit(
      args({
        entry: 'app.js',
        propertiesFile: file,
        conf: ['spark.executor.memory=1500m'],
        executorMemory: '1g',
      }),
      ctx({ env: { SPARK_EXECUTOR_MEMORY: '3g' } }),
    );
    expect(withFlag.conf.get('spark.executor.memory')).toBe('1g');
    const named = await planSubmit(args({ entry: 'app.js', propertiesFile: file, name: 'flag-name' }), ctx());
    expect(named.conf.get('spark.app.name')).toBe('flag-name');
  });

  it('reads DEPLOY_MODE and, on YARN only, SPARK_YARN_APP_NAME', async () => {
    const env = { HADOOP_CONF_DIR: hadoopDir, DEPLOY_MODE: 'cluster', SPARK_YARN_APP_NAME: 'env-name' };
    const yarn = await planSubmit(args({ entry: 'app.js', master: 'yarn' }), ctx({ env }));
    expect(yarn.mode).toBe('yarn-cluster');
    expect(yarn.conf.get('spark.app.name')).toBe('env-name');
    const local = await planSubmit(
      args({ entry: 'app.js' }),
      ctx({ env: { SPARK_YARN_APP_NAME: 'env-name' } }),
    );
    expect(local.conf.get('spark.app.name')).toBe('app');
  });
});

describe('--conf', () => {
  it('is repeatable, last wins, and keeps = inside the value', async () => {
    const plan = await planSubmit(
      args({
        entry: 'app.js',
        conf: [
          'spark.locality.wait=1s',
          'spark.executorEnv.JAVA_OPTS=-Da=b -Dc=d',
          'spark.locality.wait=2s',
          'spark.yarn.tags=a,b',
        ],
      }),
      ctx(),
    );
    expect(plan.conf.get('spark.locality.wait')).toBe('2s');
    expect(plan.conf.get('spark.executorEnv.JAVA_OPTS')).toBe('-Da=b -Dc=d');
    expect(plan.conf.get('spark.yarn.tags')).toBe('a,b');
  });

  it('ignores non-spark keys from --conf and from the file, with a warning', async () => {
    const file = writeConf('nonspark.conf', 'hadoop.tmp.dir /x\nspark.task.maxFailures 6\n');
    const plan = await planSubmit(
      args({ entry: 'app.js', propertiesFile: file, conf: ['foo.bar=1'] }),
      ctx(),
    );
    expect(plan.conf.has('foo.bar')).toBe(false);
    expect(plan.conf.has('hadoop.tmp.dir')).toBe(false);
    expect(plan.conf.get('spark.task.maxFailures')).toBe('6');
    expect(plan.warnings).toEqual([
      'ignoring non-Spark config property: foo.bar',
      'ignoring non-Spark config property: hadoop.tmp.dir',
    ]);
  });

  it('rejects a --conf without =', async () => {
    const e = await planError(args({ entry: 'app.js', conf: ['spark.foo'] }));
    expect(e.exitCode).toBe(ExitCode.USAGE);
    expect(e.message).toBe("--conf 'spark.foo' is not key=value: write --conf spark.some.key=value");
  });
});

describe('properties files', () => {
  it('reads spark-defaults.conf from SPARK_CONF_DIR, else from the package conf/', async () => {
    const sparkConfDir = join(root, 'spark-conf');
    const pkgConfDir = join(root, 'pkg-conf');
    mkdirSync(sparkConfDir, { recursive: true });
    mkdirSync(pkgConfDir, { recursive: true });
    writeFileSync(join(sparkConfDir, 'spark-defaults.conf'), 'spark.yarn.queue from-spark-conf-dir\n');
    writeFileSync(join(pkgConfDir, 'spark-defaults.conf'), 'spark.yarn.queue from-package\n');
    const a = await planSubmit(
      args({ entry: 'app.js' }),
      ctx({ env: { SPARK_CONF_DIR: sparkConfDir }, packageConfDir: pkgConfDir }),
    );
    expect(a.conf.get('spark.yarn.queue')).toBe('from-spark-conf-dir');
    const b = await planSubmit(args({ entry: 'app.js' }), ctx({ packageConfDir: pkgConfDir }));
    expect(b.conf.get('spark.yarn.queue')).toBe('from-package');
    expect(b.propertiesFile).toBe(join(pkgConfDir, 'spark-defaults.conf'));
  });

  it('--properties-file replaces spark-defaults.conf instead of adding to it', async () => {
    const sparkConfDir = join(root, 'spark-conf-2');
    mkdirSync(sparkConfDir, { recursive: true });
    writeFileSync(join(sparkConfDir, 'spark-defaults.conf'), 'spark.yarn.queue q1\nspark.task.cpus 2\n');
    const file = writeConf('replace.conf', 'spark.yarn.queue q2\n');
    const plan = await planSubmit(
      args({ entry: 'app.js', propertiesFile: file }),
      ctx({ env: { SPARK_CONF_DIR: sparkConfDir } }),
    );
    expect(plan.conf.get('spark.yarn.queue')).toBe('q2');
    expect(plan.conf.has('spark.task.cpus')).toBe(false);
  });
});

describe('masters', () => {
  it('resolves local[*] to the core count and defaults to local[*]', async () => {
    const star = await planSubmit(args({ entry: 'app.js', master: 'local[*]' }), ctx({ cores: 5 }));
    expect(star.local).toEqual({ threads: 5, maxFailures: 1 });
    expect(star.master).toBe('local[*]');
    const dflt = await planSubmit(args({ entry: 'app.js' }), ctx({ cores: 3 }));
    expect(dflt.master).toBe('local[*]');
    expect(dflt.local?.threads).toBe(3);
  });

  it('reads maxFailures from local[K,F] and the shape of local-cluster', async () => {
    expect((await planSubmit(args({ entry: 'app.js', master: 'local[4,3]' }), ctx())).local).toEqual({
      threads: 4,
      maxFailures: 3,
    });
    const lc = await planSubmit(args({ entry: 'app.js', master: 'local-cluster[2,1,256]' }), ctx());
    expect(lc.mode).toBe('local-cluster');
    expect(lc.localCluster).toEqual({ executors: 2, coresPerExecutor: 1, memoryMiB: 256 });
  });

  it('maps yarn-client to client mode', async () => {
    const plan = await planSubmit(
      args({ entry: 'app.js', master: 'yarn-client' }),
      ctx({ env: { HADOOP_CONF_DIR: hadoopDir } }),
    );
    expect(plan.mode).toBe('yarn-client');
    expect(plan.deployMode).toBe('client');
  });
});

describe('resources', () => {
  it('maps --files/--archives to spark.files locally and spark.yarn.dist.* on YARN, with absolute paths', async () => {
    const local = await planSubmit(
      args({ entry: 'app.js', files: 'data.txt', archives: 'data.txt#d' }),
      ctx(),
    );
    expect(local.files).toEqual([join(appDir, 'data.txt')]);
    expect(local.conf.get('spark.files')).toBe(join(appDir, 'data.txt'));
    expect(local.conf.get('spark.archives')).toBe(join(appDir, 'data.txt') + '#d');
    const yarn = await planSubmit(
      args({
        entry: 'app.js',
        master: 'yarn',
        files: 'data.txt,hdfs:///shared/lookup.csv',
        queue: 'etl',
        numExecutors: '3',
      }),
      ctx({ env: { HADOOP_CONF_DIR: hadoopDir } }),
    );
    expect(yarn.conf.get('spark.yarn.dist.files')).toBe(
      `${join(appDir, 'data.txt')},hdfs:///shared/lookup.csv`,
    );
    expect(yarn.conf.get('spark.yarn.queue')).toBe('etl');
    expect(yarn.conf.get('spark.executor.instances')).toBe('3');
    expect(yarn.conf.has('spark.files')).toBe(false);
  });

  it('reports a missing --files entry', async () => {
    const e = await planError(args({ entry: 'app.js', files: 'nope.txt' }));
    expect(e.exitCode).toBe(ExitCode.NOT_FOUND);
    expect(e.message).toMatch(/--files: nope\.txt does not exist/);
  });

  it('applies spark.hadoop.* to the Hadoop configuration', async () => {
    const plan = await planSubmit(
      args({
        entry: 'app.js',
        master: 'yarn',
        conf: ['spark.hadoop.yarn.resourcemanager.hostname=other.rm'],
      }),
      ctx({ env: { HADOOP_CONF_DIR: hadoopDir } }),
    );
    expect(resourceManagerWebUrls(plan.hadoopConf!)).toEqual(['http://other.rm:8088']);
  });
});

describe('kill and status', () => {
  it('plans --kill for YARN (the default master for kill/status)', async () => {
    const plan = await planSubmit(
      args({ kill: 'application_1700000000000_0007' }),
      ctx({ env: { HADOOP_CONF_DIR: hadoopDir } }),
    );
    expect(plan.action).toBe('kill');
    expect(plan.appId).toBe('application_1700000000000_0007');
    expect(plan.mode).toBe('yarn-client');
    expect(plan.entry).toBeUndefined();
  });

  it('rejects a malformed application id, both flags, and a local master', async () => {
    const env = { HADOOP_CONF_DIR: hadoopDir };
    expect((await planError(args({ status: 'app_1' }), ctx({ env }))).message).toMatch(
      /--status 'app_1' is not a YARN application id/,
    );
    expect(
      (await planError(args({ status: 'application_1_1', kill: 'application_1_1' }), ctx({ env }))).message,
    ).toMatch(/both given/);
    expect(
      (await planError(args({ status: 'application_1_1', master: 'local' }), ctx({ env }))).message,
    ).toMatch(/--status applies to YARN applications.*add --master yarn/);
  });
});

describe('validation: one typed error, one-line message and exit code per mistake', () => {
  const cases: [string, SubmitArguments, PlannerContext, number, RegExp][] = [
    [
      'unknown master URL',
      args({ entry: 'app.js', master: 'mesos://h:5050' }),
      ctx(),
      ExitCode.BAD_MASTER_URL,
      /^master URL 'mesos:\/\/h:5050' names a cluster manager tspark does not support: use local/,
    ],
    [
      'cluster deploy mode with a local master',
      args({ entry: 'app.js', master: 'local[2]', deployMode: 'cluster' }),
      ctx(),
      ExitCode.DEPLOY_MODE_CONFLICT,
      /^cluster deploy mode is not compatible with master 'local\[2\]': drop --deploy-mode cluster, or use --master yarn$/,
    ],
    [
      'missing entry file',
      args({ entry: 'missing.js' }),
      ctx(),
      ExitCode.ENTRY_NOT_FOUND,
      /^application entry missing\.js does not exist \(looked at .*missing\.js\): check the path$/,
    ],
    [
      'entry that is not a module',
      args({ entry: 'notes.md' }),
      ctx(),
      ExitCode.ENTRY_NOT_FOUND,
      /^application entry notes\.md is not a JavaScript or TypeScript module: give a \.js, \.mjs, \.ts, \.mts file$/,
    ],
    [
      'remote entry',
      args({ entry: 'hdfs:///apps/app.js' }),
      ctx(),
      ExitCode.ENTRY_NOT_FOUND,
      /is not a local file: tspark bundles the entry on this machine/,
    ],
    [
      'no entry at all',
      args({}),
      ctx(),
      ExitCode.USAGE,
      /^no application entry file given: run tspark-submit/,
    ],
    [
      '--class not exported',
      args({ entry: 'app.js', mainExport: 'Missing' }),
      ctx(),
      ExitCode.EXPORT_NOT_FOUND,
      /^app\.js has no export 'Missing' \(it exports 'default', 'WordCount'\): export a function named Missing or pass one of its exports to --class$/,
    ],
    [
      'no default export without --class',
      args({ entry: 'named-only.mjs' }),
      ctx(),
      ExitCode.EXPORT_NOT_FOUND,
      /^named-only\.mjs has no export 'default' \(it exports 'Job'\): add `export default async function main/,
    ],
    [
      'memory that does not parse (flag)',
      args({ entry: 'app.js', executorMemory: 'lots' }),
      ctx(),
      ExitCode.BAD_SIZE,
      /^--executor-memory 'lots' is not a size: use a number with an optional unit, e\.g\. 512m, 2g, 1024k$/,
    ],
    [
      'memory that does not parse (environment)',
      args({ entry: 'app.js' }),
      ctx({ env: { SPARK_DRIVER_MEMORY: '2 gigs' } }),
      ExitCode.BAD_SIZE,
      /^SPARK_DRIVER_MEMORY '2 gigs' has an unknown unit 'gigs'/,
    ],
    [
      'memory that does not parse (other key in a file)',
      args({ entry: 'app.js', conf: ['spark.yarn.am.memory=1x'] }),
      ctx(),
      ExitCode.BAD_SIZE,
      /^spark\.yarn\.am\.memory '1x' has an unknown unit 'x'/,
    ],
    [
      'executor memory below the minimum',
      args({ entry: 'app.js', executorMemory: `${MIN_HEAP_MIB - 1}m` }),
      ctx(),
      ExitCode.MEMORY_TOO_SMALL,
      new RegExp(
        `^--executor-memory ${MIN_HEAP_MIB - 1}m is below the minimum executor memory of ${MIN_HEAP_MIB}m: tspark reserves 32 MiB of each V8 heap .* use --executor-memory ${MIN_HEAP_MIB}m or more$`,
      ),
    ],
    [
      'driver memory below the minimum',
      args({ entry: 'app.js', driverMemory: '32m' }),
      ctx(),
      ExitCode.MEMORY_TOO_SMALL,
      /^--driver-memory 32m is below the minimum driver memory of 64m/,
    ],
    [
      'local-cluster executors below the minimum',
      args({ entry: 'app.js', master: 'local-cluster[2,1,16]' }),
      ctx(),
      ExitCode.MEMORY_TOO_SMALL,
      /local-cluster\[2,1,16\] executor memory 16m is below the minimum executor memory/,
    ],
    [
      '--num-executors 0',
      args({ entry: 'app.js', master: 'yarn', numExecutors: '0' }),
      ctx({ env: { HADOOP_CONF_DIR: hadoopDir } }),
      ExitCode.BAD_EXECUTOR_COUNT,
      /^--num-executors 0 is not a valid number of executors: give a whole number of at least 1$/,
    ],
    [
      'spark.executor.instances=0 in the properties',
      args({ entry: 'app.js', conf: ['spark.executor.instances=0'] }),
      ctx(),
      ExitCode.BAD_EXECUTOR_COUNT,
      /^spark\.executor\.instances 0 is not a valid number of executors/,
    ],
    [
      'properties file that does not exist',
      args({ entry: 'app.js', propertiesFile: 'nope.conf' }),
      ctx(),
      ExitCode.PROPERTIES_FILE_NOT_FOUND,
      /^properties file .*nope\.conf does not exist: fix the path given to --properties-file/,
    ],
    [
      'HADOOP_CONF_DIR unset for yarn',
      args({ entry: 'app.js', master: 'yarn' }),
      ctx(),
      ExitCode.HADOOP_CONF_MISSING,
      /^neither HADOOP_CONF_DIR nor YARN_CONF_DIR is set.*export HADOOP_CONF_DIR=/,
    ],
    [
      'HADOOP_CONF_DIR that does not exist',
      args({ entry: 'app.js', master: 'yarn' }),
      ctx({ env: { HADOOP_CONF_DIR: join(root, 'no-such-dir') } }),
      ExitCode.HADOOP_CONF_MISSING,
      /^Hadoop configuration directory .*no-such-dir cannot be read \(ENOENT\)/,
    ],
    [
      'malformed site XML',
      args({ entry: 'app.js', master: 'yarn' }),
      ctx({ env: { HADOOP_CONF_DIR: badXmlDir } }),
      ExitCode.HADOOP_CONF_MALFORMED,
      /core-site\.xml:4: malformed Hadoop configuration XML/,
    ],
    [
      'unknown deploy mode',
      args({ entry: 'app.js', deployMode: 'remote' }),
      ctx(),
      ExitCode.USAGE,
      /^--deploy-mode 'remote' is not a deploy mode: use client or cluster$/,
    ],
    [
      'legacy master contradicting --deploy-mode',
      args({ entry: 'app.js', master: 'yarn-cluster', deployMode: 'client' }),
      ctx({ env: { HADOOP_CONF_DIR: hadoopDir } }),
      ExitCode.DEPLOY_MODE_CONFLICT,
      /contradicts master 'yarn-cluster'/,
    ],
    [
      'a registry key with a bad value',
      args({ entry: 'app.js', conf: ['spark.task.maxFailures=many'] }),
      ctx(),
      ExitCode.CONFIG,
      /^spark\.task\.maxFailures=many is not valid: expected an integer$/,
    ],
  ];

  for (const [what, a, c, code, message] of cases) {
    it(what, async () => {
      const e = await planError(a, c);
      expect(e.exitCode).toBe(code);
      expect(e.message).toMatch(message);
      expect(e.message).not.toContain('\n');
    });
  }

  it('gives each of the issue-listed mistakes its own exit code', () => {
    const codes = [
      ExitCode.BAD_MASTER_URL,
      ExitCode.DEPLOY_MODE_CONFLICT,
      ExitCode.ENTRY_NOT_FOUND,
      ExitCode.EXPORT_NOT_FOUND,
      ExitCode.BAD_SIZE,
      ExitCode.MEMORY_TOO_SMALL,
      ExitCode.BAD_EXECUTOR_COUNT,
      ExitCode.PROPERTIES_FILE_NOT_FOUND,
      ExitCode.HADOOP_CONF_MISSING,
      ExitCode.HADOOP_CONF_MALFORMED,
    ];
    expect(new Set(codes).size).toBe(codes.length);
    const others: number[] = [ExitCode.OK, ExitCode.INTERNAL, ExitCode.USAGE, ExitCode.CONFIG];
    for (const c of codes) expect(others).not.toContain(c);
  });
});
