// The built CLI as a user runs it: bin/tspark-submit.js and bin/tspark.js in a
// child process, asserting stdout, stderr and exit code. Needs `npm run build`
// (npm test runs it first). Only mistakes caught before any runner starts are
// driven here, so these tests hold whichever runners a build contains.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../support/temp-dir.js';

const repo = fileURLToPath(new URL('../..', import.meta.url));
const SUBMIT = join(repo, 'bin', 'tspark-submit.js');
const TSPARK = join(repo, 'bin', 'tspark.js');
const pkg = JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8')) as { version: string };

const work = tempDir('tspark-e2e-cli-');
writeFileSync(
  join(work, 'app.js'),
  'export default async function main(sc, args) { console.log(JSON.stringify(args)); }\nexport function WordCount() {}\n',
);
const badXml = join(work, 'bad-hadoop-conf');
mkdirSync(badXml);
writeFileSync(
  join(badXml, 'yarn-site.xml'),
  '<configuration>\n  <property>\n    <name>a</name>\n  </propertx>\n</configuration>\n',
);

// A clean environment: no Spark or Hadoop settings leak in from the machine running the tests.
const baseEnv: Record<string, string> = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? work };

function run(
  bin: string,
  args: string[],
  env: Record<string, string> = {},
): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [bin, ...args], {
    cwd: work,
    env: { ...baseEnv, ...env },
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

beforeAll(() => {
  if (!existsSync(join(repo, 'dist', 'src', 'cli', 'tspark-submit.js'))) {
    throw new Error('dist/ is missing: run `npm run build` before the e2e tests (npm test does)');
  }
});

describe('tspark-submit (built, as a subprocess)', () => {
  it('--version prints the package version, exit 0', () => {
    const r = run(SUBMIT, ['--version']);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(`tspark ${pkg.version} (Node.js ${process.version})\n`);
    expect(r.stderr).toBe('');
  });

  it('--help lists the spark-submit flags, exit 0', () => {
    const r = run(SUBMIT, ['--help']);
    expect(r.code).toBe(0);
    for (const flag of [
      '--master',
      '--deploy-mode',
      '--class',
      '--conf',
      '--properties-file',
      '--num-executors',
      '--kill',
    ]) {
      expect(r.stdout).toContain(flag);
    }
    expect(r.stdout).toContain('[spark.executor.instances, default 2]');
  });

  it('tspark --help lists the subcommands', () => {
    const r = run(TSPARK, ['--help']);
    expect(r.code).toBe(0);
    for (const c of ['submit', 'status', 'kill', 'list', 'logs', 'run-example'])
      expect(r.stdout).toMatch(new RegExp(`\\n\\s+${c}\\b`));
  });

  const errors: [string, string[], Record<string, string>, number, RegExp][] = [
    [
      'unknown flag',
      ['--frobnicate', 'app.js'],
      {},
      2,
      /^Error: unknown option '--frobnicate': run with --help to see the flags\n$/,
    ],
    [
      'unknown master',
      ['--master', 'spark://h:7077', 'app.js'],
      {},
      20,
      /^Error: master URL 'spark:\/\/h:7077' names a cluster manager tspark does not support/,
    ],
    [
      'cluster mode on local',
      ['--master', 'local[2]', '--deploy-mode', 'cluster', 'app.js'],
      {},
      21,
      /^Error: cluster deploy mode is not compatible with master 'local\[2\]'/,
    ],
    ['missing entry file', ['missing.js'], {}, 22, /^Error: application entry missing\.js does not exist/],
    [
      '--class not exported',
      ['--class', 'Nope', 'app.js'],
      {},
      23,
      /^Error: app\.js has no export 'Nope' \(it exports 'default', 'WordCount'\)/,
    ],
    [
      'memory that does not parse',
      ['--driver-memory', 'much', 'app.js'],
      {},
      24,
      /^Error: --driver-memory 'much' is not a size/,
    ],
    [
      'memory below the minimum',
      ['--executor-memory', '16m', 'app.js'],
      {},
      25,
      /^Error: --executor-memory 16m is below the minimum executor memory of 64m/,
    ],
    [
      '--num-executors 0',
      ['--num-executors', '0', 'app.js'],
      {},
      26,
      /^Error: --num-executors 0 is not a valid number of executors/,
    ],
    [
      'properties file missing',
      ['--properties-file', 'none.conf', 'app.js'],
      {},
      27,
      /^Error: properties file .*none\.conf does not exist/,
    ],
    [
      'HADOOP_CONF_DIR unset for yarn',
      ['--master', 'yarn', 'app.js'],
      {},
      28,
      /^Error: neither HADOOP_CONF_DIR nor YARN_CONF_DIR is set/,
    ],
    [
      'malformed site XML',
      ['--master', 'yarn', 'app.js'],
      { HADOOP_CONF_DIR: badXml },
      29,
      /^Error: .*yarn-site\.xml:4: malformed Hadoop configuration XML/,
    ],
  ];

  for (const [what, args, env, code, message] of errors) {
    it(`${what}: one Error line on stderr, exit ${code}, no stack trace`, () => {
      const r = run(SUBMIT, args, env);
      expect(r.code).toBe(code);
      expect(r.stderr).toMatch(message);
      expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
      expect(r.stderr).not.toMatch(/\n\s+at /);
      expect(r.stdout).toBe('');
    });
  }

  it('prints the deprecation warning for yarn-cluster before failing on the missing Hadoop configuration', () => {
    const r = run(SUBMIT, ['--master', 'yarn-cluster', 'app.js']);
    expect(r.code).toBe(28);
  });

  it('TSPARK_DEBUG=1 adds the stack trace', () => {
    const r = run(SUBMIT, ['--master', 'bogus', 'app.js'], { TSPARK_DEBUG: '1' });
    expect(r.code).toBe(20);
    expect(r.stderr).toMatch(/^Error: master URL 'bogus'/);
    expect(r.stderr).toMatch(/\n\s+at /);
  });

  it('--verbose shows the effective plan with precedence applied and secrets redacted', () => {
    const r = run(
      SUBMIT,
      [
        '-v',
        '--executor-memory',
        '1g',
        '--conf',
        'spark.executor.memory=4g',
        '--conf',
        'spark.authenticate.secret=hunter2',
        '--master',
        'local[2]',
        'app.js',
      ],
      { SPARK_EXECUTOR_MEMORY: '3g' },
    );
    expect(r.stderr).toMatch(/Parsed arguments:/);
    expect(r.stderr).toMatch(/\n {4}spark\.executor\.memory=1g\n/);
    expect(r.stderr).toMatch(/spark\.authenticate\.secret=\*{9}\(redacted\)/);
    expect(r.stderr).not.toContain('hunter2');
  });

  it('hands a local plan to the engine, application arguments untouched', () => {
    const r = run(SUBMIT, ['--master', 'local[2]', 'app.js', '--conf', 'x=y', '-v', '--', 'z']);
    expect(r.stderr).not.toMatch(/^Error:/m);
    expect(r.code).toBe(0);
    expect(r.stdout.trim().split('\n')).toContain(JSON.stringify(['--conf', 'x=y', '-v', '--', 'z']));
  });

  it('relaunches with the driver heap when --driver-memory is given', () => {
    writeFileSync(
      join(work, 'heap.mjs'),
      "import v8 from 'node:v8';\nexport default async function main() { console.log('heapMiB=' + Math.round(v8.getHeapStatistics().heap_size_limit / 2 ** 20)); }\n",
    );
    const r = run(SUBMIT, ['--driver-memory', '200m', '--master', 'local', 'heap.mjs']);
    expect(r.code).toBe(0);
    const mib = Number(/heapMiB=(\d+)/.exec(r.stdout)?.[1]);
    expect(mib).toBeGreaterThanOrEqual(200);
    expect(mib).toBeLessThan(400);
  });
});
