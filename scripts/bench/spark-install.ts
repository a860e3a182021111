// Real Apache Spark for the comparison, without the Apache mirrors: PyPI's
// `pyspark` package carries Spark's jars and launcher scripts (bin/spark-submit).
// It is installed once with pip into a cache outside the repository; the
// benchmark programs (spark/tspark/bench/*.java) are compiled against its jars
// and packed into a jar kept next to it, rebuilt when their sources change.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';

export interface SparkInstall {
  version: string;
  /** The installed pyspark package directory: Spark's home (jars/, bin/). */
  sparkHome: string;
  sparkSubmit: string;
}

/** ~/.cache/tspark (or $XDG_CACHE_HOME/tspark). */
export function tsparkCacheRoot(env: NodeJS.ProcessEnv): string {
  return join(env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'tspark');
}

function run(command: string, args: string[], what: string, env?: NodeJS.ProcessEnv): string {
  const r = spawnSync(command, args, { encoding: 'utf8', env: env ?? process.env, maxBuffer: 64 << 20 });
  if (r.error) throw new Error(`${what}: cannot run '${command}' (${r.error.message}); install it and retry`);
  if (r.status !== 0)
    throw new Error(`${what} failed (exit ${r.status}):\n${(r.stderr || r.stdout).slice(-4000)}`);
  return r.stdout + r.stderr;
}

/** Java 17 or newer: Spark 4 needs it. Returns the `java -version` line and java.home. */
export function checkJava(): { version: string; home: string } {
  const out = run('java', ['-XshowSettings:properties', '-version'], 'checking Java');
  const m = /version "(\d+)/.exec(out);
  const major = m ? Number(m[1]) : NaN;
  const versionLine =
    out
      .split('\n')
      .find((l) => /version "/.test(l))
      ?.trim() ?? 'unknown';
  if (!(major >= 17)) {
    throw new Error(
      `Java 17 or newer is needed to run Spark (found: ${versionLine}); install a JDK 17 and put it on PATH`,
    );
  }
  const home = /^\s*java\.home = (.+)$/m.exec(out)?.[1]?.trim() ?? '';
  // The benchmark programs are compiled and packed here (javac, jar): a JRE is not enough.
  for (const tool of ['javac', 'jar']) {
    const r = spawnSync(tool, ['--version'], { encoding: 'utf8' });
    if (r.error || r.status !== 0) {
      throw new Error(
        `'${tool}' is not on PATH (${r.error?.message ?? `exit ${r.status}`}): install a full JDK 17 (e.g. openjdk-17-jdk-headless), not only a JRE`,
      );
    }
  }
  return { version: versionLine, home };
}

/** Installs pyspark==version into the cache unless it is there already. */
export function ensureSpark(
  version: string,
  env: NodeJS.ProcessEnv,
  log: (line: string) => void,
): SparkInstall {
  const dir = join(tsparkCacheRoot(env), `spark-${version}`);
  const sparkHome = join(dir, 'pyspark');
  const sparkSubmit = join(sparkHome, 'bin', 'spark-submit');
  if (!existsSync(sparkSubmit)) {
    const partial = `${dir}.partial`;
    rmSync(partial, { recursive: true, force: true });
    log(`installing Apache Spark ${version} from PyPI (pyspark, about 450 MB) into ${dir} ...`);
    const pip = spawnSync('python3', ['-m', 'pip', '--version'], { encoding: 'utf8' });
    if (pip.error || pip.status !== 0) {
      throw new Error(
        `installing Spark needs Python 3 with pip (\`python3 -m pip\` failed: ${(pip.error?.message ?? pip.stderr).trim()}); ` +
          'install it (e.g. apt-get install python3-pip) and retry',
      );
    }
    // --no-deps: only the JVM side is used (no py4j, no Python workers).
    run(
      'python3',
      [
        '-m',
        'pip',
        'install',
        '--no-deps',
        '--no-compile',
        '--disable-pip-version-check',
        '--quiet',
        '--target',
        partial,
        `pyspark==${version}`,
      ],
      `pip install pyspark==${version}`,
    );
    rmSync(dir, { recursive: true, force: true });
    renameSync(partial, dir);
  }
  return { version, sparkHome, sparkSubmit };
}

/** The benchmark programs' jar, compiled against this Spark; cached by a hash of the sources. */
export function ensureBenchJar(spark: SparkInstall, sourcesDir: string, log: (line: string) => void): string {
  const sources = readdirSync(join(sourcesDir, 'tspark', 'bench'))
    .filter((f) => f.endsWith('.java'))
    .sort()
    .map((f) => join(sourcesDir, 'tspark', 'bench', f));
  const hash = createHash('sha256').update(spark.version);
  for (const s of sources) hash.update(s.slice(sourcesDir.length)).update(readFileSync(s));
  const jar = join(spark.sparkHome, '..', `tspark-bench-${hash.digest('hex').slice(0, 12)}.jar`);
  if (existsSync(jar)) return jar;
  log(`compiling the Spark benchmark programs into ${jar} ...`);
  const classes = mkdtempSync(join(tmpdir(), 'tspark-bench-classes-'));
  try {
    run(
      'javac',
      ['--release', '17', '-nowarn', '-cp', join(spark.sparkHome, 'jars', '*'), '-d', classes, ...sources],
      'javac',
    );
    run('jar', ['cf', `${jar}.partial`, '-C', classes, '.'], 'jar');
    renameSync(`${jar}.partial`, jar);
  } finally {
    rmSync(classes, { recursive: true, force: true });
  }
  return jar;
}
