import { describe, expect, it } from 'vitest';
import { amContainerSpec, nodeCommand, visibilityFor, APP_SECRET_ALIAS } from '../../../src/yarn/launch-context.js';

describe('AM launch context', () => {
  it('builds the node command with heap, quoted arguments and log redirection', () => {
    const cmd = nodeCommand({ nodeBinary: 'node', heapMiB: 385, script: 'node_modules/tspark/dist/am/main.js', args: ['--arg', 'a b'] });
    expect(cmd).toBe(
      "'node' --max-old-space-size=385 --enable-source-maps 'node_modules/tspark/dist/am/main.js' '--arg' 'a b' 1><LOG_DIR>/stdout 2><LOG_DIR>/stderr",
    );
  });

  it('uses the entry/key/value map layout the RM expects, sorted by key, secret only in credentials', () => {
    const secret = Buffer.from('0123456789abcdef');
    const spec = amContainerSpec({
      localResources: {
        b: { resource: 'hdfs://nn:9000/b', type: 'FILE', visibility: 'PRIVATE', size: 2, timestamp: 20 },
        a: { resource: 'hdfs://nn:9000/a', type: 'ARCHIVE', visibility: 'PUBLIC', size: 1, timestamp: 10 },
      },
      environment: { SPARK_USER: 'me' },
      command: 'true',
      secret,
      viewAcl: 'me',
    });
    expect(spec['local-resources']!.entry.map((e) => e.key)).toEqual(['a', 'b']);
    expect(spec.environment).toEqual({ entry: [{ key: 'SPARK_USER', value: 'me' }] });
    expect(spec.credentials).toEqual({ secrets: { entry: [{ key: APP_SECRET_ALIAS, value: secret.toString('base64') }] } });
    expect(spec['application-acls']).toEqual({ entry: [{ key: 'VIEW_APP', value: 'me' }] });
    const json = JSON.stringify({ ...spec, credentials: undefined });
    expect(json).not.toContain(secret.toString('base64'));
    expect(json).not.toContain('0123456789abcdef');
  });

  it('decides visibility like Spark', () => {
    expect(visibilityFor(0o644, [0o755, 0o755])).toBe('PUBLIC');
    expect(visibilityFor(0o644, [0o755, 0o700])).toBe('PRIVATE');
    expect(visibilityFor(0o640, [0o755])).toBe('PRIVATE');
  });
});
