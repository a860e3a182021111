import { describe, expect, it } from 'vitest';
import { NoActiveServerError, StandbyError } from '../../../../src/hadoop/rest/errors.js';
import type { RetryEnv } from '../../../../src/hadoop/rest/retry.js';
import { WebHdfsClient } from '../../../../src/hadoop/webhdfs/client.js';
import { deadUrl, loadFixture, replay, type Reply } from '../../../support/fake-http-server.js';
import { server } from '../../../support/fake-servers.js';

/**
 * NameNode HA: a standby answers every operation with a StandbyException
 * (403, RemoteException body in the documented shape; the test cluster is not
 * HA, so this body is written from WebHDFS.md/ExceptionHandler, not recorded).
 */
const STANDBY: Reply = {
  status: 403,
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify({
    RemoteException: {
      exception: 'StandbyException',
      javaClassName: 'org.apache.hadoop.ipc.StandbyException',
      message:
        'Operation category READ is not supported in state standby. Visit https://s.apache.org/sbnn-error',
    },
  }),
};

const clock = (): RetryEnv & { sleeps: number[] } => {
  const sleeps: number[] = [];
  return { sleeps, sleep: async (ms) => void sleeps.push(ms), random: () => 0 };
};
const policy = { maxAttempts: 3, initialDelayMs: 10, maxDelayMs: 10, multiplier: 2 };
const status = (): Reply => replay(loadFixture('webhdfs', 'getfilestatus-file'));

describe('NameNode HA selection', () => {
  it('skips a standby, uses the active one, and goes straight to it afterwards', async () => {
    const standby = await server(() => STANDBY);
    const active = await server(status);
    const c = new WebHdfsClient({
      namenodes: [standby.url, active.url],
      user: 'u',
      retry: policy,
      retryEnv: clock(),
    });
    await c.getFileStatus('/a');
    expect(standby.requests).toHaveLength(1);
    expect(active.requests).toHaveLength(1);
    expect(c.activeNameNode).toBe(active.url);
    await c.getFileStatus('/b');
    await c.listStatus('/c').catch(() => undefined);
    expect(standby.requests).toHaveLength(1);
    expect(active.requests).toHaveLength(3);
  });

  it('moves on from a NameNode that refuses connections', async () => {
    const dead = await deadUrl();
    const active = await server(status);
    const c = new WebHdfsClient({ namenodes: [dead, active.url], retry: policy, retryEnv: clock() });
    await c.getFileStatus('/a');
    expect(c.activeNameNode).toBe(active.url);
  });

  it('after a failover (active becomes standby), finds the new active', async () => {
    let firstIsActive = true;
    const nn1 = await server(() => (firstIsActive ? status() : STANDBY));
    const nn2 = await server(() => (firstIsActive ? STANDBY : status()));
    const c = new WebHdfsClient({ namenodes: [nn1.url, nn2.url], retry: policy, retryEnv: clock() });
    await c.getFileStatus('/a');
    expect(c.activeNameNode).toBe(nn1.url);
    firstIsActive = false;
    await c.getFileStatus('/a');
    expect(c.activeNameNode).toBe(nn2.url);
    expect(nn1.requests).toHaveLength(2);
    expect(nn2.requests).toHaveLength(1);
  });

  it('all standby: retried with backoff, then a NoActiveServerError listing each answer', async () => {
    const a = await server(() => STANDBY);
    const b = await server(() => STANDBY);
    const k = clock();
    const c = new WebHdfsClient({ namenodes: [a.url, b.url], retry: policy, retryEnv: k });
    const err = (await c.getFileStatus('/a').catch((e: unknown) => e)) as NoActiveServerError;
    expect(err).toBeInstanceOf(NoActiveServerError);
    expect(err.failures).toHaveLength(2);
    expect(err.failures.every((f) => f instanceof StandbyError)).toBe(true);
    expect(err.message).toContain('No NameNode answered as active');
    expect(a.requests).toHaveLength(policy.maxAttempts);
    expect(k.sleeps).toHaveLength(policy.maxAttempts - 1);
  });

  it('a single configured standby reports the standby error itself', async () => {
    const a = await server(() => STANDBY);
    const c = new WebHdfsClient({
      namenodes: [a.url],
      retry: { ...policy, maxAttempts: 1 },
      retryEnv: clock(),
    });
    await expect(c.getFileStatus('/a')).rejects.toBeInstanceOf(StandbyError);
  });

  it('a 4xx from the active NameNode is not a reason to try another one', async () => {
    const active = await server(() => replay(loadFixture('webhdfs', 'error-getfilestatus-not-found')));
    const other = await server(status);
    const c = new WebHdfsClient({ namenodes: [active.url, other.url], retry: policy, retryEnv: clock() });
    await expect(c.getFileStatus('/missing')).rejects.toMatchObject({ code: 'HADOOP_NOT_FOUND' });
    expect(other.requests).toHaveLength(0);
  });
});
