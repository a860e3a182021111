/* global process, console */
// Finds Java and gathers Hadoop's classpath with Maven into a cache outside the
// repository. A cache is valid while the pom it came from is unchanged and
// every jar it names still exists, so a warm start runs no Maven at all.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, realpathSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { POM_PATH, SCRIPT_DIR, pomDigest } from './layout.mjs';

export class SetupError extends Error {}

// Cold resolution downloads ~100 MB; past this the network is considered broken.
const MAVEN_TIMEOUT_MS = 15 * 60 * 1000;

function which(cmd, env) {
  for (const dir of (env.PATH || '').split(path.delimiter)) {
    if (!dir) continue;
    const candidate = path.join(dir, cmd);
    if (existsSync(candidate)) return candidate;
  }
  return undefined;
}

/** The Java used for every daemon and CLI: $JAVA_HOME, else `java` on PATH. */
export function findJava(env = process.env) {
  let javaHome = env.JAVA_HOME;
  let javaBin = javaHome ? path.join(javaHome, 'bin', 'java') : which('java', env);
  if (!javaBin || !existsSync(javaBin)) {
    throw new SetupError(
      'Java not found: the test cluster needs a JDK 17 (set JAVA_HOME, or install one, e.g. `apt-get install openjdk-17-jdk-headless`).',
    );
  }
  if (!javaHome) javaHome = path.dirname(path.dirname(realpathSync(javaBin)));
  const out = spawnSync(javaBin, ['-version'], { encoding: 'utf8', timeout: 30_000 });
  const m = /version "(\d+)(?:\.(\d+))?/.exec(out.stderr || '');
  if (out.status !== 0 || !m)
    throw new SetupError(`${javaBin} -version failed: ${(out.stderr || '').trim()}`);
  let major = Number(m[1]);
  if (major === 1) major = Number(m[2]);
  if (major < 11)
    throw new SetupError(`Java ${major} at ${javaBin} is too old: the test cluster needs Java 17.`);
  return { javaBin, javaHome, major };
}

function readCachedClasspath(layout) {
  if (!existsSync(layout.classpathFile) || !existsSync(layout.digestFile)) return undefined;
  if (readFileSync(layout.digestFile, 'utf8').trim() !== pomDigest()) return undefined;
  const jars = readFileSync(layout.classpathFile, 'utf8').trim().split(path.delimiter).filter(Boolean);
  if (jars.length === 0 || !jars.every((j) => existsSync(j))) return undefined;
  return jars;
}

function runMaven(mvn, args, env) {
  return spawnSync(mvn, args, {
    cwd: SCRIPT_DIR,
    encoding: 'utf8',
    timeout: MAVEN_TIMEOUT_MS,
    env,
    maxBuffer: 64 << 20,
  });
}

function explainMavenFailure(res) {
  // Maven colours its output even in batch mode; drop the escape codes.
  // eslint-disable-next-line no-control-regex
  const out = `${res.stdout || ''}\n${res.stderr || ''}`.replace(/\x1b\[[0-9;]*m/g, '');
  if (res.error && res.error.code === 'ETIMEDOUT') {
    return `Maven did not finish within ${MAVEN_TIMEOUT_MS / 60000} min; is Maven Central reachable from this machine?`;
  }
  const lines = out
    .split('\n')
    .filter((l) => /\[ERROR\]\s*\S/.test(l) && !/\[ERROR\]\s*(\[Help|Re-run|To see|For more)/.test(l));
  // A plugin that cannot be found is, on a fresh ~/.m2, a download that failed.
  const network =
    /UnknownHost|Unknown host|Connect(ion)? (timed out|refused)|Network is unreachable|Could not transfer|No plugin found for prefix/i.test(
      out,
    );
  const hint = network
    ? 'Maven could not download from Maven Central: check the network or proxy (~/.m2/settings.xml), or run once where it is reachable so ~/.m2 holds the jars.'
    : 'Maven could not resolve the Hadoop jars.';
  return `${hint}\n${lines.slice(0, 15).join('\n')}`;
}

/**
 * Returns the resolved jar list, running Maven only when the cache is missing
 * or stale: first offline (everything may already be in ~/.m2), then online.
 */
export function ensureClasspath(layout, env = process.env, log = console.error) {
  const cached = readCachedClasspath(layout);
  if (cached) return cached;
  const mvn = which('mvn', env);
  if (!mvn) {
    throw new SetupError(
      'Maven not found: the test cluster gathers Hadoop from Maven Central with `mvn` (install it, e.g. `apt-get install maven`).',
    );
  }
  mkdirSync(layout.cacheDir, { recursive: true });
  const tmpFile = `${layout.classpathFile}.tmp`;
  const args = (offline) => [
    '-B',
    '-q',
    ...(offline ? ['-o'] : []),
    // Fail fast on a dead network instead of hanging in connection retries.
    '-Dmaven.wagon.http.retryHandler.count=2',
    '-Dmaven.wagon.rto=60000',
    '-f',
    POM_PATH,
    'dependency:build-classpath',
    '-Dmdep.includeScope=runtime',
    `-Dmdep.outputFile=${tmpFile}`,
  ];
  const started = Date.now();
  log(`hadoop ${layout.version}: resolving jars with Maven into ${layout.cacheDir} ...`);
  let res = runMaven(mvn, args(true), env);
  if (res.status !== 0) res = runMaven(mvn, args(false), env);
  if (res.status !== 0) throw new SetupError(explainMavenFailure(res));
  renameSync(tmpFile, layout.classpathFile);
  writeFileSync(layout.digestFile, `${pomDigest()}\n`);
  const jars = readCachedClasspath(layout);
  if (!jars) throw new SetupError(`Maven wrote no usable classpath to ${layout.classpathFile}.`);
  log(
    `hadoop ${layout.version}: ${jars.length} jars resolved in ${((Date.now() - started) / 1000).toFixed(1)}s`,
  );
  return jars;
}
