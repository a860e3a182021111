import { writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  HANDLERS,
  handlerForPlan,
  importHandler,
  type CommandRequest,
  type HandlerLoader,
  type HandlerRef,
} from '../../../src/cli/handlers.js';
import type { CliIo } from '../../../src/cli/io.js';
import { runTspark, runTsparkSubmit } from '../../../src/cli/main.js';
import { processIo } from '../../../src/cli/process-io.js';
import { SUBMIT_OPTIONS } from '../../../src/cli/submit-options.js';
import type { SubmitPlan } from '../../../src/deploy/submit-plan.js';
import { ConfigError, ExitCode } from '../../../src/errors.js';
import { silentLogger } from '../../../src/log.js';
import { tempDir } from '../../support/temp-dir.js';

const dir = tempDir('tspark-cli-');
writeFileSync(
  join(dir, 'app.js'),
  'export default async function main() {}\nexport function WordCount() {}\n',
);
const hadoopDir = tempDir('tspark-cli-hadoop-');
writeFileSync(
  join(hadoopDir, 'yarn-site.xml'),
  '<configuration><property><name>yarn.resourcemanager.hostname</name><value>rm</value></property></configuration>',
);

interface Run {
  code: number;
  stdout: string;
  stderr: string;
  calls: { ref: HandlerRef; args: unknown[] }[];
}

function fakeIo(env: Record<string, string> = {}): CliIo & { out: string[]; err: string[] } {
  const out: string[] = [];
  const err: string[] = [];
  return {
    out,
    err,
    stdout: (s) => void out.push(s),
    stderr: (s) => void err.push(s),
    env,
    cwd: dir,
    cores: 6,
    osUser: 'alice',
    nodeVersion: 'v20.0.0',
    packageVersion: '9.9.9',
    createLogger: () => silentLogger(),
  };
}

/** A loader with every handler present (recording its calls) unless listed as missing. */
function recordingLoader(
  calls: Run['calls'],
  options: { missing?: HandlerRef[]; result?: (ref: HandlerRef) => Promise<number | void> } = {},
): HandlerLoader {
  return async (ref) => {
    if (options.missing?.includes(ref)) return undefined;
    return async (...args: unknown[]) => {
      calls.push({ ref, args });
      return options.result ? options.result(ref) : undefined;
    };
  };
}

async function submit(argv: string[], env: Record<string, string> = {}, opts = {}): Promise<Run> {
  const io = fakeIo(env);
  const calls: Run['calls'] = [];
  const code = await runTsparkSubmit(argv, { io, loadHandler: recordingLoader(calls, opts) });
  return { code, stdout: io.out.join(''), stderr: io.err.join(''), calls };
}

async function tspark(argv: string[], env: Record<string, string> = {}, opts = {}): Promise<Run> {
  const io = fakeIo(env);
  const calls: Run['calls'] = [];
  const code = await runTspark(argv, { io, loadHandler: recordingLoader(calls, opts) });
  return { code, stdout: io.out.join(''), stderr: io.err.join(''), calls };
}

const planOf = (r: Run): SubmitPlan => r.calls[0]!.args[0] as SubmitPlan;

describe('tspark-submit flag parsing', () => {
  it('plans the yarn-cluster seed command and hands it to the YARN runner', async () => {
    const r = await submit(
      '--class WordCount --master yarn-cluster --driver-memory 385m --executor-memory 410m app.js /tmp/test1 2'.split(
        ' ',
      ),
      { HADOOP_CONF_DIR: hadoopDir },
    );
    expect(r.code).toBe(0);
    expect(r.calls.map((c) => c.ref)).toEqual([HANDLERS.yarnSubmit]);
    const plan = planOf(r);
    expect(plan.mode).toBe('yarn-cluster');
    expect(plan.mainExport).toBe('WordCount');
    expect(plan.appArgs).toEqual(['/tmp/test1', '2']);
    expect(plan.conf.get('spark.driver.memory')).toBe('385m');
    expect(plan.conf.get('spark.executor.memory')).toBe('410m');
    expect(r.stderr).toBe(
      "Warning: master 'yarn-cluster' is deprecated: use --master yarn --deploy-mode cluster\n",
    );
  });

  it('plans the local seed command and hands it to the local runner', async () => {
    const r = await submit(['--master', 'local[8]', 'app.js']);
    expect(r.code).toBe(0);
    expect(r.calls.map((c) => c.ref)).toEqual([HANDLERS.local]);
    expect(planOf(r).local).toEqual({ threads: 8, maxFailures: 1 });
    expect(r.stderr).toBe('');
  });

  it('passes everything after the entry file to the application untouched', async () => {
    const appArgs = ['--conf', 'x=y', '-v', '--help', '--version', '--', '--master', 'local', 'plain'];
    const r = await submit(['--master', 'local', 'app.js', ...appArgs]);
    expect(r.code).toBe(0);
    expect(planOf(r).appArgs).toEqual(appArgs);
    expect(planOf(r).verbose).toBe(false);
    expect(planOf(r).conf.has('x')).toBe(false);
  });

  it('accepts --conf in every spelling, repeated, with = in values', async () => {
    const r = await submit([
      '--conf',
      'spark.executorEnv.OPTS=a=b',
      '-c',
      'spark.yarn.tags=t1',
      '--conf=spark.locality.wait=1s',
      '--conf',
      'spark.locality.wait=5s',
      'app.js',
    ]);
    const conf = planOf(r).conf;
    expect(conf.get('spark.executorEnv.OPTS')).toBe('a=b');
    expect(conf.get('spark.yarn.tags')).toBe('t1');
    expect(conf.get('spark.locality.wait')).toBe('5s');
  });

  it('reads option values that start with a dash, and --opt=value', async () => {
    const r = await submit(['--name', '-odd-name', '--master=local[2]', 'app.js']);
    expect(planOf(r).conf.get('spark.app.name')).toBe('-odd-name');
    expect(planOf(r).local?.threads).toBe(2);
  });

  it('maps flags to Spark keys like SparkSubmitArguments', async () => {
    const r = await submit(
      [
        '--master',
        'yarn',
        '--deploy-mode',
        'client',
        '--name',
        'n',
        '--driver-cores',
        '2',
        '--executor-cores',
        '3',
        '--num-executors',
        '4',
        '--queue',
        'q',
        'app.js',
      ],
      { HADOOP_CONF_DIR: hadoopDir },
    );
    expect(Object.fromEntries(planOf(r).conf.entries())).toEqual({
      'spark.app.name': 'n',
      'spark.driver.cores': '2',
      'spark.executor.cores': '3',
      'spark.executor.instances': '4',
      'spark.master': 'yarn',
      'spark.submit.deployMode': 'client',
      'spark.yarn.queue': 'q',
    });
  });

  it('declares every flag the issue lists', () => {
    const flags = SUBMIT_OPTIONS.map((o) => o.flags.replace(/ <.*$/, '').replace(/^-\w, /, ''));
    for (const f of [
      '--master',
      '--deploy-mode',
      '--class',
      '--name',
      '--conf',
      '--properties-file',
      '--driver-memory',
      '--driver-cores',
      '--executor-memory',
      '--executor-cores',
      '--num-executors',
      '--queue',
      '--files',
      '--archives',
      '--verbose',
      '--kill',
      '--status',
    ]) {
      expect(flags).toContain(f);
    }
  });
});

describe('help, version and errors', () => {
  it('prints help with the registry defaults on --help, exit 0', async () => {
    const r = await submit(['--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/Usage: tspark-submit \[options\] \[entry\] \[appArgs\.\.\.\]/);
    expect(r.stdout).toMatch(
      /--executor-memory <MEM>\s+heap of each executor, e\.g\. 1000m, 2g\s+\[spark\.executor\.memory, default 1g\]/,
    );
    expect(r.calls).toEqual([]);
  });

  it('prints help and exits 2 without arguments', async () => {
    const r = await submit([]);
    expect(r.code).toBe(ExitCode.USAGE);
    expect(r.stdout).toMatch(/Usage: tspark-submit/);
  });

  it('prints the version on --version, exit 0', async () => {
    const r = await submit(['--version']);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('tspark 9.9.9 (Node.js v20.0.0)\n');
  });

  it('turns an unknown flag into one Error line and exit 2', async () => {
    const r = await submit(['--executor-memroy', '1g', 'app.js']);
    expect(r.code).toBe(ExitCode.USAGE);
    expect(r.stderr).toMatch(
      /^Error: unknown option '--executor-memroy' \(Did you mean --executor-memory\?\): run with --help to see the flags\n$/,
    );
    expect(r.stderr.split('\n').filter(Boolean)).toHaveLength(1);
  });

  it('reports a missing option argument', async () => {
    const r = await submit(['--master']);
    expect(r.code).toBe(ExitCode.USAGE);
    expect(r.stderr).toMatch(/^Error: option '--master <MASTER_URL>' argument missing/);
  });

  it('prints a user mistake as one line without a stack, with its exit code', async () => {
    const r = await submit(['--master', 'local', '--deploy-mode', 'cluster', 'app.js']);
    expect(r.code).toBe(ExitCode.DEPLOY_MODE_CONFLICT);
    expect(r.stderr).toBe(
      "Error: cluster deploy mode is not compatible with master 'local': drop --deploy-mode cluster, or use --master yarn\n",
    );
  });

  it('adds the stack with TSPARK_DEBUG=1', async () => {
    const r = await submit(['--master', 'nope', 'app.js'], { TSPARK_DEBUG: '1' });
    expect(r.code).toBe(ExitCode.BAD_MASTER_URL);
    expect(r.stderr).toMatch(/^Error: master URL 'nope'/);
    expect(r.stderr).toMatch(/\n\s+at /);
  });

  it('calls an unexpected error a bug, exit 1', async () => {
    const r = await submit(
      ['app.js'],
      {},
      { result: async () => Promise.reject(new TypeError('x is undefined')) },
    );
    expect(r.code).toBe(ExitCode.INTERNAL);
    expect(r.stderr).toMatch(/^Error: x is undefined\nThis is a bug in tspark/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it("passes a runner's typed error and exit code through", async () => {
    const failing = await submit(
      ['app.js'],
      {},
      {
        result: async () => Promise.reject(new ConfigError('X', 'bad thing: do other thing')),
      },
    );
    expect(failing.code).toBe(ExitCode.CONFIG);
    expect(failing.stderr).toBe('Error: bad thing: do other thing\n');
    const four = await submit(['app.js'], {}, { result: async () => 4 });
    expect(four.code).toBe(4);
  });

  it('says clearly when a runner is not in this build, exit 2', async () => {
    const r = await submit(['--master', 'local[2]', 'app.js'], {}, { missing: [HANDLERS.local] });
    expect(r.code).toBe(ExitCode.USAGE);
    expect(r.stderr).toBe(
      'Error: local execution is not available yet in this build of tspark ' +
        '(src/deploy/run-application.js does not provide runApplication): nothing was run; use a build that includes it\n',
    );
  });

  it('redacts secrets in --verbose output', async () => {
    const r = await submit([
      '--verbose',
      '--conf',
      'spark.authenticate.secret=hunter2',
      '--conf',
      'spark.hadoop.fs.s3a.secret.key=abc123',
      'app.js',
    ]);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/Parsed arguments:/);
    expect(r.stderr).toMatch(/Submit plan:/);
    expect(r.stderr).toMatch(/spark\.authenticate\.secret=\*\*\*\*\*\*\*\*\*\(redacted\)/);
    expect(r.stderr).not.toContain('hunter2');
    expect(r.stderr).not.toContain('abc123');
  });
});

describe('tspark subcommands', () => {
  it('tspark submit is tspark-submit', async () => {
    const r = await tspark(['submit', '--master', 'local[3]', 'app.js', '--x', 'y']);
    expect(r.code).toBe(0);
    expect(r.calls.map((c) => c.ref)).toEqual([HANDLERS.local]);
    expect(planOf(r).appArgs).toEqual(['--x', 'y']);
    expect(planOf(r).local?.threads).toBe(3);
  });

  it('tspark status and kill plan an application id for the YARN runners', async () => {
    const env = { HADOOP_CONF_DIR: hadoopDir };
    const s = await tspark(['status', 'application_1_0002'], env);
    expect(s.calls.map((c) => c.ref)).toEqual([HANDLERS.yarnStatus]);
    expect(planOf(s)).toMatchObject({ action: 'status', appId: 'application_1_0002' });
    const k = await tspark(['kill', '--conf', 'spark.yarn.queue=q', 'application_1_0003'], env);
    expect(k.calls.map((c) => c.ref)).toEqual([HANDLERS.yarnKill]);
    expect(planOf(k)).toMatchObject({ action: 'kill', appId: 'application_1_0003' });
    const viaSubmit = await submit(['--status', 'application_1_0004'], env);
    expect(viaSubmit.calls.map((c) => c.ref)).toEqual([HANDLERS.yarnStatus]);
  });

  it('tspark list/logs hand their arguments to the table handler', async () => {
    const r = await tspark(['logs', 'application_1_0005', '--containerId', 'c1']);
    expect(r.code).toBe(0);
    expect(r.calls.map((c) => c.ref)).toEqual([HANDLERS.logs]);
    const req = r.calls[0]!.args[0] as CommandRequest;
    expect(req.args).toEqual(['application_1_0005', '--containerId', 'c1']);
  });

  it('reports a subcommand whose handler is missing with exit 2', async () => {
    const r = await tspark(['list'], {}, { missing: [HANDLERS.list] });
    expect(r.code).toBe(ExitCode.USAGE);
    expect(r.stderr).toMatch(/^Error: 'tspark list' is not available yet in this build of tspark/);
  });

  it('rejects an unknown subcommand', async () => {
    const r = await tspark(['sbumit', 'app.js']);
    expect(r.code).toBe(ExitCode.USAGE);
    expect(r.stderr).toMatch(/^Error: unknown command 'sbumit'/);
  });
});

describe('dispatch table', () => {
  it('routes each plan to its runner', () => {
    const base = { action: 'submit', mode: 'local' } as SubmitPlan;
    expect(handlerForPlan(base)).toBe(HANDLERS.local);
    expect(handlerForPlan({ ...base, mode: 'local-cluster' })).toBe(HANDLERS.local);
    expect(handlerForPlan({ ...base, mode: 'yarn-cluster' })).toBe(HANDLERS.yarnSubmit);
    expect(handlerForPlan({ ...base, mode: 'yarn-client' })).toBe(HANDLERS.yarnSubmit);
    expect(handlerForPlan({ ...base, action: 'kill', mode: 'yarn-client' })).toBe(HANDLERS.yarnKill);
    expect(handlerForPlan({ ...base, action: 'status', mode: 'yarn-client' })).toBe(HANDLERS.yarnStatus);
  });

  it('the real loader answers undefined for a module that does not exist', async () => {
    expect(
      await importHandler({ module: './no-such-handler.js', exportName: 'x', what: 'x' }),
    ).toBeUndefined();
  });
});

describe('the real process environment', () => {
  it('resolves local[*] through os.availableParallelism()', () => {
    const io = processIo();
    expect(io.cores).toBe(availableParallelism());
    expect(io.packageVersion).toMatch(/^\d+\.\d+\.\d+/);
    expect(io.packageConfDir).toMatch(/conf$/);
  });
});

describe('tspark run-example', () => {
  const examples = tempDir('tspark-examples-');
  writeFileSync(join(examples, 'spark-pi.ts'), 'export default async function main() {}\n');
  writeFileSync(join(examples, 'word-count.ts'), 'export default async function main() {}\n');
  writeFileSync(join(examples, 'types.d.ts'), 'export {};\n');

  async function example(argv: string[]): Promise<Run> {
    const io = { ...fakeIo(), examplesDir: examples };
    const calls: Run['calls'] = [];
    const code = await runTspark(argv, { io, loadHandler: recordingLoader(calls) });
    return { code, stdout: io.out.join(''), stderr: io.err.join(''), calls };
  }

  it('runs an example by its Spark class name or file name, with submit flags and args', async () => {
    const r = await example(['run-example', '--master', 'local[2]', 'SparkPi', '10']);
    expect(r.code).toBe(0);
    expect(planOf(r).entry).toBe(join(examples, 'spark-pi.ts'));
    expect(planOf(r).appArgs).toEqual(['10']);
    expect(planOf(r).local?.threads).toBe(2);
    const byFile = await example(['run-example', 'word-count', 'in.txt']);
    expect(planOf(byFile).entry).toBe(join(examples, 'word-count.ts'));
    expect(planOf(byFile).conf.get('spark.app.name')).toBe('word-count');
  });

  it('lists the examples when the name is unknown or missing', async () => {
    const r = await example(['run-example', 'NoSuch']);
    expect(r.code).toBe(ExitCode.ENTRY_NOT_FOUND);
    expect(r.stderr).toBe("Error: example 'NoSuch' not found: use one of spark-pi, word-count\n");
    const none = await example(['run-example']);
    expect(none.code).toBe(ExitCode.USAGE);
    expect(none.stderr).toMatch(/Name one of spark-pi, word-count/);
  });
});
