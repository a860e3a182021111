import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  appStagingDir,
  defaultFs,
  nameNodeHttpUrls,
  resourceManagerSchedulerAddresses,
  resourceManagerWebUrls,
  stagingBaseDir,
} from '../../../src/conf/hadoop-addresses.js';
import {
  applySparkHadoopOverrides,
  HadoopConf,
  hadoopConfDirs,
  loadHadoopConf,
} from '../../../src/conf/hadoop-conf.js';
import { parseHadoopXml } from '../../../src/conf/hadoop-xml.js';
import { SparkConf } from '../../../src/conf/spark-conf.js';
import { ConfigError, ExitCode, type TsparkError } from '../../../src/errors.js';
import { tempDir } from '../../support/temp-dir.js';

/** Writes a site file in Hadoop's format from [name, value, final?] triples. */
function site(props: [string, string, boolean?][]): string {
  const body = props
    .map(
      ([n, v, f]) =>
        `  <property>\n    <name>${n}</name>\n    <value>${v}</value>\n${f ? '    <final>true</final>\n' : ''}  </property>`,
    )
    .join('\n');
  return `<?xml version="1.0" encoding="UTF-8"?>\n<?xml-stylesheet type="text/xsl" href="configuration.xsl"?>\n<!-- test -->\n<configuration>\n${body}\n</configuration>\n`;
}

function confOf(props: [string, string, boolean?][], options = {}): HadoopConf {
  return HadoopConf.withDefaults(options).addResource(parseHadoopXml(site(props), 'test-site.xml'));
}

function thrown(fn: () => unknown): TsparkError {
  try {
    fn();
  } catch (e) {
    return e as TsparkError;
  }
  throw new Error('expected an error');
}

describe('Hadoop site XML parsing', () => {
  it('reads name, value and final, in element and attribute form, with entities and CDATA', () => {
    const xml =
      '<configuration><property><name> a.b </name><value>x &amp; <![CDATA[<y>]]></value><final>true</final>' +
      '<description>ignored</description></property><property name="c" value="3" final="false"/></configuration>';
    const r = parseHadoopXml(xml, 'f.xml');
    expect(r.properties).toEqual([
      { name: 'a.b', value: 'x & <y>', final: true },
      { name: 'c', value: '3', final: false },
    ]);
  });

  it('names file and line of malformed XML, with its own exit code', () => {
    const xml = '<configuration>\n<property>\n<name>a</name>\n<value>b</valu>\n</property>\n</configuration>';
    const e = thrown(() => parseHadoopXml(xml, '/etc/hadoop/yarn-site.xml'));
    expect(e).toBeInstanceOf(ConfigError);
    expect(e.exitCode).toBe(ExitCode.HADOOP_CONF_MALFORMED);
    expect(e.message).toMatch(/^\/etc\/hadoop\/yarn-site\.xml:4: malformed Hadoop configuration XML/);
    expect(e.message).toMatch(/fix the file/);
  });

  it('rejects an empty file and a wrong root element', () => {
    expect(thrown(() => parseHadoopXml('  \n', 'e.xml')).message).toMatch(/e\.xml: .*empty/);
    expect(thrown(() => parseHadoopXml('<props><property/></props>', 'r.xml')).message).toMatch(
      /root element is <props>, expected <configuration>/,
    );
  });

  it('warns about elements it does not understand and properties without a name', () => {
    const r = parseHadoopXml(
      '<configuration><include href="x.xml"/><property><value>1</value></property></configuration>',
      'w.xml',
    );
    expect(r.properties).toEqual([]);
    expect(r.warnings.join('\n')).toMatch(/<include> elements are not supported/);
    expect(r.warnings.join('\n')).toMatch(/without <name>/);
  });
});

describe('Hadoop configuration semantics', () => {
  it('expands ${var} from other properties, transitively', () => {
    const c = confOf([
      ['base', '/data'],
      ['dir', '${base}/x'],
      ['file', '${dir}/f-${base}'],
    ]);
    expect(c.get('file')).toBe('/data/x/f-/data');
    expect(c.getRaw('file')).toBe('${dir}/f-${base}');
  });

  it('expands system properties and ${env.NAME} with Hadoop default forms', () => {
    const c = confOf(
      [
        ['tmp', '/tmp/hadoop-${user.name}'],
        ['e1', '${env.HOME_X}'],
        ['e2', '${env.UNSET_X:-fallback}'],
        ['e3', '${env.EMPTY_X:-fallback}'],
        ['e4', '${env.EMPTY_X-fallback}'],
        ['e5', '${env.UNSET_X-other}'],
      ],
      { env: { HOME_X: '/home/alice', EMPTY_X: '' }, system: { 'user.name': 'alice' } },
    );
    expect(c.get('tmp')).toBe('/tmp/hadoop-alice');
    expect(c.get('e1')).toBe('/home/alice');
    expect(c.get('e2')).toBe('fallback');
    expect(c.get('e3')).toBe('fallback');
    expect(c.get('e4')).toBe('');
    expect(c.get('e5')).toBe('other');
  });

  it('leaves unbound variables as written and returns self-references unexpanded', () => {
    const c = confOf([
      ['u', 'a-${nobody}-b'],
      ['self', 'x${self}'],
    ]);
    expect(c.get('u')).toBe('a-${nobody}-b');
    expect(c.get('self')).toBe('x${self}');
  });

  it('stops a substitution loop with an error', () => {
    const c = confOf([
      ['a', '${b}'],
      ['b', '${a}1'],
    ]);
    // a -> ${a}1 -> ${b}1 -> ... never converges
    expect(thrown(() => c.get('a')).message).toMatch(/a: variable substitution is deeper than 20 levels/);
    const d = confOf(
      [['deep', '${l0}']].concat(
        Array.from({ length: 25 }, (_, i) => [`l${i}`, `\${l${i + 1}}`] as [string, string]),
      ) as [string, string][],
    );
    expect(thrown(() => d.get('deep')).message).toMatch(/deeper than 20 levels/);
  });

  it('keeps a final value against later resources, with a warning', () => {
    const c = HadoopConf.withDefaults()
      .addResource(
        parseHadoopXml(
          site([
            ['fs.defaultFS', 'hdfs://nn1:8020', true],
            ['x', '1'],
          ]),
          'core-site.xml',
        ),
      )
      .addResource(
        parseHadoopXml(
          site([
            ['fs.defaultFS', 'hdfs://other:8020'],
            ['x', '2'],
          ]),
          'hdfs-site.xml',
        ),
      );
    expect(c.get('fs.defaultFS')).toBe('hdfs://nn1:8020');
    expect(c.isFinal('fs.defaultFS')).toBe(true);
    expect(c.get('x')).toBe('2');
    expect(c.warnings.join('\n')).toMatch(
      /hdfs-site\.xml: an attempt to override final parameter fs\.defaultFS/,
    );
  });

  it('redacts secret-looking properties for printing', () => {
    const c = confOf([
      ['fs.s3a.secret.key', 'abc'],
      ['hadoop.http.authentication.signature.secret.file', '/etc/secret'],
      ['fs.defaultFS', 'hdfs://nn:8020'],
    ]);
    const printed = Object.fromEntries(c.redactedEntries());
    expect(printed['fs.s3a.secret.key']).toBe('*********(redacted)');
    expect(printed['hadoop.http.authentication.signature.secret.file']).toBe('*********(redacted)');
    expect(printed['fs.defaultFS']).toBe('hdfs://nn:8020');
  });

  it('overlays spark.hadoop.* keys from the Spark configuration', () => {
    const c = applySparkHadoopOverrides(confOf([['fs.defaultFS', 'hdfs://a:1']]), [
      ['spark.hadoop.fs.defaultFS', 'hdfs://b:2'],
      ['spark.executor.memory', '1g'],
    ]);
    expect(c.get('fs.defaultFS')).toBe('hdfs://b:2');
    expect(c.get('executor.memory')).toBeUndefined();
  });
});

describe('loading HADOOP_CONF_DIR', () => {
  it('requires HADOOP_CONF_DIR or YARN_CONF_DIR', () => {
    const e = thrown(() => hadoopConfDirs({}));
    expect(e.exitCode).toBe(ExitCode.HADOOP_CONF_MISSING);
    expect(e.message).toMatch(/neither HADOOP_CONF_DIR nor YARN_CONF_DIR is set.*export HADOOP_CONF_DIR=/);
    expect(hadoopConfDirs({ HADOOP_CONF_DIR: '/a', YARN_CONF_DIR: '/a' })).toEqual(['/a']);
    expect(hadoopConfDirs({ HADOOP_CONF_DIR: '/a', YARN_CONF_DIR: '/b' })).toEqual(['/a', '/b']);
  });

  it('loads the site files of each directory in order', () => {
    const root = tempDir('tspark-hconf-');
    const a = join(root, 'hadoop');
    const b = join(root, 'yarn');
    mkdirSync(a);
    mkdirSync(b);
    writeFileSync(join(a, 'core-site.xml'), site([['fs.defaultFS', 'hdfs://nn:8020']]));
    writeFileSync(join(a, 'yarn-site.xml'), site([['yarn.resourcemanager.hostname', 'rm-a']]));
    writeFileSync(join(b, 'yarn-site.xml'), site([['yarn.resourcemanager.hostname', 'rm-b']]));
    const c = loadHadoopConf([a, b]);
    expect(c.get('yarn.resourcemanager.webapp.address')).toBe('rm-b:8088');
    expect(c.sources.slice(1)).toEqual([
      join(a, 'core-site.xml'),
      join(a, 'yarn-site.xml'),
      join(b, 'yarn-site.xml'),
    ]);
  });

  it('rejects a missing directory, a file, and a directory without site files', () => {
    const root = tempDir('tspark-hconf-');
    writeFileSync(join(root, 'plain'), 'x');
    for (const dir of [join(root, 'nope'), join(root, 'plain'), root]) {
      const e = thrown(() => loadHadoopConf([dir]));
      expect(e.exitCode).toBe(ExitCode.HADOOP_CONF_MISSING);
      expect(e.message).toContain(dir);
      expect(e.message).toMatch(/HADOOP_CONF_DIR/);
    }
  });

  it('rejects an unreadable directory', () => {
    if (process.getuid?.() === 0) return; // root reads everything; the case cannot be built
    const root = tempDir('tspark-hconf-');
    writeFileSync(join(root, 'core-site.xml'), site([]));
    chmodSync(root, 0o000);
    try {
      expect(thrown(() => loadHadoopConf([root])).exitCode).toBe(ExitCode.HADOOP_CONF_MISSING);
    } finally {
      chmodSync(root, 0o755);
    }
  });

  it('reports malformed XML in a site file with its path and line', () => {
    const root = tempDir('tspark-hconf-');
    writeFileSync(
      join(root, 'core-site.xml'),
      '<configuration>\n  <property>\n    <name>a</name>\n</configuration>\n',
    );
    const e = thrown(() => loadHadoopConf([root]));
    expect(e.exitCode).toBe(ExitCode.HADOOP_CONF_MALFORMED);
    expect(e.message).toContain(join(root, 'core-site.xml') + ':4:');
  });
});

describe('resolved addresses', () => {
  it('derives RM web and scheduler addresses from yarn.resourcemanager.hostname', () => {
    const c = confOf([['yarn.resourcemanager.hostname', 'rm.example']]);
    expect(resourceManagerWebUrls(c)).toEqual(['http://rm.example:8088']);
    expect(resourceManagerSchedulerAddresses(c)).toEqual(['rm.example:8030']);
  });

  it('uses explicit addresses and the HTTPS policy', () => {
    const c = confOf([
      ['yarn.resourcemanager.webapp.address', 'localhost:18088'],
      ['yarn.resourcemanager.scheduler.address', 'localhost:18030'],
    ]);
    expect(resourceManagerWebUrls(c)).toEqual(['http://localhost:18088']);
    expect(resourceManagerSchedulerAddresses(c)).toEqual(['localhost:18030']);
    const s = confOf([
      ['yarn.http.policy', 'HTTPS_ONLY'],
      ['yarn.resourcemanager.hostname', 'rm'],
    ]);
    expect(resourceManagerWebUrls(s)).toEqual(['https://rm:8090']);
  });

  it('resolves every RM of an HA pair, from per-id addresses or per-id hostnames', () => {
    const c = confOf([
      ['yarn.resourcemanager.ha.enabled', 'true'],
      ['yarn.resourcemanager.ha.rm-ids', 'rm1, rm2'],
      ['yarn.resourcemanager.webapp.address.rm1', 'host1:8088'],
      ['yarn.resourcemanager.hostname.rm2', 'host2'],
      ['yarn.resourcemanager.scheduler.address.rm1', 'host1:9030'],
    ]);
    expect(resourceManagerWebUrls(c)).toEqual(['http://host1:8088', 'http://host2:8088']);
    expect(() => resourceManagerSchedulerAddresses(c)).not.toThrow();
    expect(resourceManagerSchedulerAddresses(c)).toEqual(['host1:9030', 'host2:8030']);
    const broken = confOf([
      ['yarn.resourcemanager.ha.enabled', 'true'],
      ['yarn.resourcemanager.ha.rm-ids', 'rm1'],
    ]);
    expect(thrown(() => resourceManagerWebUrls(broken)).message).toMatch(
      /'rm1' has neither yarn\.resourcemanager\.webapp\.address\.rm1 nor yarn\.resourcemanager\.hostname\.rm1/,
    );
    const noIds = confOf([['yarn.resourcemanager.ha.enabled', 'true']]);
    expect(thrown(() => resourceManagerWebUrls(noIds)).message).toMatch(/rm-ids is empty/);
  });

  it('resolves the NameNode HTTP address, replacing a wildcard host with the fs.defaultFS host', () => {
    const c = confOf([['fs.defaultFS', 'hdfs://nn.example:8020']]);
    expect(defaultFs(c)).toBe('hdfs://nn.example:8020');
    expect(nameNodeHttpUrls(c)).toEqual(['http://nn.example:9870']);
    const explicit = confOf([
      ['fs.defaultFS', 'hdfs://localhost:9000'],
      ['dfs.namenode.http-address', '127.0.0.1:50070'],
    ]);
    expect(nameNodeHttpUrls(explicit)).toEqual(['http://127.0.0.1:50070']);
  });

  it('resolves every NameNode of an HA nameservice', () => {
    const c = confOf([
      ['fs.defaultFS', 'hdfs://mycluster'],
      ['dfs.nameservices', 'mycluster'],
      ['dfs.ha.namenodes.mycluster', 'nn1,nn2'],
      ['dfs.namenode.http-address.mycluster.nn1', 'm1:9870'],
      ['dfs.namenode.http-address.mycluster.nn2', 'm2:9870'],
    ]);
    expect(nameNodeHttpUrls(c)).toEqual(['http://m1:9870', 'http://m2:9870']);
    const missing = confOf([
      ['fs.defaultFS', 'hdfs://mycluster'],
      ['dfs.nameservices', 'mycluster'],
      ['dfs.ha.namenodes.mycluster', 'nn1'],
    ]);
    expect(thrown(() => nameNodeHttpUrls(missing)).message).toMatch(
      /dfs\.namenode\.http-address\.mycluster\.nn1/,
    );
  });

  it('refuses a non-HDFS default file system for staging', () => {
    const e = thrown(() => nameNodeHttpUrls(confOf([])));
    expect(e.exitCode).toBe(ExitCode.CONFIG);
    expect(e.message).toMatch(/fs\.defaultFS is 'file:\/\/\/', not an hdfs:\/\/ URI/);
  });

  it('puts staging under the user home, or spark.yarn.stagingDir/<user>', () => {
    const h = confOf([]);
    expect(stagingBaseDir(new SparkConf(), h, 'alice')).toBe('/user/alice');
    expect(
      stagingBaseDir(new SparkConf({ 'spark.yarn.stagingDir': 'hdfs:///tmp/staging/' }), h, 'alice'),
    ).toBe('hdfs:///tmp/staging/alice');
    expect(appStagingDir('/user/alice', 'application_1_0001')).toBe(
      '/user/alice/.sparkStaging/application_1_0001',
    );
  });
});

describe('writing Hadoop XML', () => {
  it('round-trips names and values that need escaping', async () => {
    const { formatHadoopXml } = await import('../../../src/conf/hadoop-xml.js');
    const props: [string, string][] = [
      ['b.key', 'a & b < c > d "q" \'s\''],
      ['a.key', '${not.expanded}'],
      ['c.key', 'multi\nline\ttab ✓ cr\r\nlf'],
      ['d.key', ''],
    ];
    const xml = formatHadoopXml(props);
    expect(xml.indexOf('a.key')).toBeLessThan(xml.indexOf('b.key'));
    expect(xml).toContain('<value>a &amp; b &lt; c &gt; d &quot;q&quot; &apos;s&apos;</value>');
    const back = parseHadoopXml(xml, 'written.xml').properties.map((p) => [p.name, p.value]);
    expect(Object.fromEntries(back)).toEqual(Object.fromEntries(props));
  });

  it('decodes numeric character references like a Java XML parser', () => {
    const r = parseHadoopXml(
      '<configuration><property><name>k</name><value>a&#13;b&#x9;c&#233;</value></property></configuration>',
      'n.xml',
    );
    expect(r.properties[0]!.value).toBe('a\rb\tc\u00e9');
  });
});
