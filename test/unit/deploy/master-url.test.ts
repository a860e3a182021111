import { describe, expect, it } from 'vitest';
import { legacyYarnMaster, parseMasterUrl } from '../../../src/deploy/master-url.js';
import { ExitCode, type TsparkError } from '../../../src/errors.js';

function error(fn: () => unknown): TsparkError {
  try {
    fn();
  } catch (e) {
    return e as TsparkError;
  }
  throw new Error('expected an error');
}

describe('master URLs', () => {
  it('reads local forms like SparkContext does', () => {
    expect(parseMasterUrl('local', 4)).toEqual({ kind: 'local', text: 'local', threads: 1, maxFailures: 1 });
    expect(parseMasterUrl('local[8]', 4)).toMatchObject({ threads: 8, maxFailures: 1 });
    expect(parseMasterUrl('local[*]', 6)).toMatchObject({ threads: 6, maxFailures: 1 });
    expect(parseMasterUrl('local[3,5]', 4)).toMatchObject({ threads: 3, maxFailures: 5 });
    expect(parseMasterUrl('local[*, 2]', 12)).toMatchObject({ threads: 12, maxFailures: 2 });
    expect(parseMasterUrl('local-cluster[2, 1, 512]', 4)).toEqual({
      kind: 'local-cluster',
      text: 'local-cluster[2, 1, 512]',
      executors: 2,
      coresPerExecutor: 1,
      memoryMiB: 512,
    });
    expect(parseMasterUrl('yarn', 4)).toEqual({ kind: 'yarn', text: 'yarn' });
  });

  it('rejects what is not a master URL we run, with BAD_MASTER_URL', () => {
    for (const bad of [
      'locl',
      'local[]',
      'local[x]',
      'local[0]',
      'local[2,0]',
      'local-cluster[0,1,512]',
      'yarn-foo',
      'spark://h:7077',
      'k8s://h',
      '',
    ]) {
      const e = error(() => parseMasterUrl(bad, 4));
      expect(e.exitCode, bad).toBe(ExitCode.BAD_MASTER_URL);
      expect(e.message).toMatch(
        /use local, local\[K\], local\[\*\], local\[K,F\], local-cluster\[N,C,M\] or yarn/,
      );
    }
  });

  it('maps the legacy yarn-cluster / yarn-client masters with a deprecation warning', () => {
    expect(legacyYarnMaster('yarn-cluster', undefined)).toEqual({
      master: 'yarn',
      deployMode: 'cluster',
      warning: "master 'yarn-cluster' is deprecated: use --master yarn --deploy-mode cluster",
    });
    expect(legacyYarnMaster('yarn-client', 'client')?.deployMode).toBe('client');
    expect(legacyYarnMaster('yarn', 'cluster')).toBeUndefined();
    const e = error(() => legacyYarnMaster('yarn-client', 'cluster'));
    expect(e.exitCode).toBe(ExitCode.DEPLOY_MODE_CONFLICT);
    expect(e.message).toMatch(/deploy mode 'cluster' contradicts master 'yarn-client'/);
  });
});
