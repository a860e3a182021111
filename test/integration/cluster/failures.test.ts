// The cluster scripts fail fast and say what to do when Java or Maven is
// missing or Maven Central cannot be reached. Each case uses its own empty
// state dir and jar cache, so the running cluster is not touched.
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const CLUSTER_SCRIPT = fileURLToPath(new URL('../../../scripts/hadoop/cluster.mjs', import.meta.url));
const scratch = mkdtempSync(path.join(os.tmpdir(), 'tspark-cluster-failures-'));

function javaHome(): string {
  const out = spawnSync('java', ['-XshowSettings:properties', '-version'], { encoding: 'utf8' });
  const m = /java\.home = (.+)/.exec(out.stderr);
  if (!m?.[1]) throw new Error(`cannot find java.home: ${out.stderr}`);
  return m[1].trim();
}

function run(
  args: string[],
  env: Record<string, string>,
): Promise<{ code: number | null; stderr: string; ms: number }> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLUSTER_SCRIPT, ...args], {
      env,
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (b: Buffer) => (stderr += b.toString('utf8')));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stderr, ms: Date.now() - started }));
  });
}

/** An environment with fresh state and cache dirs, nothing inherited but what is given. */
function isolatedEnv(name: string, extra: Record<string, string>): Record<string, string> {
  const dir = path.join(scratch, name);
  return {
    HOME: process.env.HOME ?? os.homedir(),
    TSPARK_HADOOP_HOME: path.join(dir, 'state'),
    TSPARK_HADOOP_CACHE: path.join(dir, 'cache'),
    ...extra,
  };
}

describe('cluster scripts fail fast with the fix', () => {
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  it('without Java', async () => {
    const res = await run(
      ['start'],
      isolatedEnv('no-java', { JAVA_HOME: path.join(scratch, 'no-such-jdk'), PATH: '' }),
    );
    expect(res.code).toBe(1);
    expect(res.stderr).toContain('Java not found');
    expect(res.stderr).toContain('JDK 17');
    expect(res.ms).toBeLessThan(10_000);
  });

  it('without Maven, when the jars are not cached yet', async () => {
    const res = await run(['start'], isolatedEnv('no-maven', { JAVA_HOME: javaHome(), PATH: '' }));
    expect(res.code).toBe(1);
    expect(res.stderr).toContain('Maven not found');
    expect(res.ms).toBeLessThan(10_000);
  });

  it('when Maven Central cannot be reached', async () => {
    // A Maven user home whose only repository is a closed port on loopback:
    // nothing is cached there, so every download fails at once.
    const fakeHome = path.join(scratch, 'maven-home');
    mkdirSync(path.join(fakeHome, '.m2'), { recursive: true });
    writeFileSync(
      path.join(fakeHome, '.m2', 'settings.xml'),
      '<settings><mirrors><mirror><id>unreachable</id><mirrorOf>*</mirrorOf>' +
        '<url>http://127.0.0.1:9/maven2</url></mirror></mirrors></settings>\n',
    );
    const res = await run(
      ['assemble'],
      isolatedEnv('no-network', {
        JAVA_HOME: javaHome(),
        PATH: process.env.PATH ?? '',
        MAVEN_OPTS: `-Duser.home=${fakeHome}`,
      }),
    );
    expect(res.code).toBe(1);
    expect(res.stderr).toContain('Maven could not download from Maven Central');
    // Two Maven runs (offline, then online) on a busy machine, never a hang.
    expect(res.ms).toBeLessThan(120_000);
  });
});
