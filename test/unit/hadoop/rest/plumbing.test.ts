import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import {
  REMOTE_EXCEPTION_TABLE,
  briefRemoteMessage,
  remoteError,
  type RequestContext,
} from '../../../../src/hadoop/rest/errors.js';
import { withReadIdleTimeout } from '../../../../src/hadoop/rest/idle-timeout.js';
import {
  decodeRemoteException,
  parsePermissionDenied,
} from '../../../../src/hadoop/rest/remote-exception.js';
import { backoffDelayMs, withRetry, type RetryPolicy } from '../../../../src/hadoop/rest/retry.js';
import { fixtureBody, fixtureJson, loadFixture } from '../../../support/fake-http-server.js';

describe('backoff', () => {
  const policy: RetryPolicy = { maxAttempts: 10, initialDelayMs: 100, maxDelayMs: 1000, multiplier: 3 };

  it('windows grow by the multiplier up to the cap; the delay is the window times the random draw', () => {
    for (let retry = 1; retry <= 6; retry++) {
      let window = 100;
      for (let i = 1; i < retry; i++) window = Math.min(1000, window * 3);
      expect(backoffDelayMs(retry, policy, () => 0.999999)).toBe(Math.floor(window * 0.999999));
      expect(backoffDelayMs(retry, policy, () => 0)).toBe(0);
    }
  });

  it('withRetry stops at a non-retriable error and at maxAttempts, rethrowing the error unchanged', async () => {
    const sleeps: number[] = [];
    const env = { sleep: async (ms: number) => void sleeps.push(ms), random: () => 0.5 };
    const fatal = new Error('fatal');
    let calls = 0;
    await expect(
      withRetry(
        async () => {
          calls++;
          throw calls < 3 ? new Error('flaky') : fatal;
        },
        policy,
        env,
        { isRetriable: (e) => (e as Error).message === 'flaky' },
      ),
    ).rejects.toBe(fatal);
    expect(calls).toBe(3);
    expect(sleeps).toEqual([50, 150]);

    calls = 0;
    await expect(
      withRetry(
        async () => {
          calls++;
          throw new Error('flaky');
        },
        { ...policy, maxAttempts: 4 },
        env,
        { isRetriable: () => true },
      ),
    ).rejects.toThrow('flaky');
    expect(calls).toBe(4);
    expect(await withRetry(async (attempt) => attempt, policy, env, { isRetriable: () => true })).toBe(1);
  });
});

describe('RemoteException decoding and the error table', () => {
  const ctx: RequestContext = {
    service: 'NameNode',
    endpoint: 'http://nn:9870',
    operation: 'MKDIRS',
    path: '/p/q',
    user: 'mallory',
  };

  it('decodes recorded bodies from bytes, text or objects; other bodies are not RemoteExceptions', () => {
    const f = loadFixture('webhdfs', 'error-getfilestatus-not-found');
    const expected = fixtureJson(f).RemoteException;
    expect(decodeRemoteException(fixtureBody(f))).toEqual(expected);
    expect(decodeRemoteException(fixtureBody(f).toString())).toEqual(expected);
    expect(decodeRemoteException(fixtureJson(f))).toEqual(expected);
    expect(decodeRemoteException('<html>404</html>')).toBeUndefined();
    expect(decodeRemoteException('{"boolean":true}')).toBeUndefined();
    expect(decodeRemoteException('{not json')).toBeUndefined();
    // Only the class name: the simple name is derived from it.
    expect(
      decodeRemoteException({
        RemoteException: { javaClassName: 'org.apache.hadoop.ipc.StandbyException', message: 'm' },
      }),
    ).toEqual({
      exception: 'StandbyException',
      javaClassName: 'org.apache.hadoop.ipc.StandbyException',
      message: 'm',
    });
  });

  it('parses the recorded AccessControlException message', () => {
    const f = loadFixture('webhdfs', 'error-permission-denied-liststatus');
    const message: string = fixtureJson(f).RemoteException.message;
    const inode = /inode="([^"]+)"/.exec(message)![1];
    expect(parsePermissionDenied(message)).toEqual({
      user: 'mallory',
      access: 'READ_EXECUTE',
      inode,
      owner: 'root',
      group: 'supergroup',
      mode: 'drwx------',
    });
  });

  it('drops stack traces and the YARN web wrapper from messages', () => {
    const dn = fixtureJson(loadFixture('webhdfs', 'error-create-exists-step2-datanode')).RemoteException
      .message as string;
    expect(dn).toContain('\n\tat ');
    expect(briefRemoteMessage(dn)).toBe(dn.split('\n')[0]);
    const rm = fixtureJson(loadFixture('rm-rest', 'error-app-not-found')).RemoteException.message as string;
    expect(briefRemoteMessage(rm)).toBe(rm.replace('java.lang.Exception: ', ''));
  });

  it('every table entry builds an error with a stable code; unknown exceptions are retriable only for 5xx', () => {
    const codes = new Set<string>();
    for (const exception of Object.keys(REMOTE_EXCEPTION_TABLE)) {
      const e = remoteError({ exception, message: 'm' }, 403, ctx);
      expect(e.code).toMatch(/^(HADOOP|HDFS)_[A-Z_]+$/);
      expect(e.kind).toBe(REMOTE_EXCEPTION_TABLE[exception]);
      expect(e.message).toContain(`answered 403 ${exception}: m`);
      codes.add(e.code);
    }
    expect(codes.size).toBeGreaterThanOrEqual(12);
    expect(remoteError({ exception: 'WeirdException', message: 'm' }, 500, ctx).retriable).toBe(true);
    expect(remoteError({ exception: 'WeirdException', message: 'm' }, 403, ctx).retriable).toBe(false);
    expect(remoteError({ exception: 'SafeModeException', message: 'm' }, 403, ctx).retriable).toBe(true);
  });
});

describe('read idle timeout', () => {
  it('a slow consumer (backpressure) never times out; a silent source does', async () => {
    // Source with plenty of data; the consumer pauses longer than the idle limit between reads.
    const data = Array.from({ length: 8 }, (_, i) => Buffer.alloc(64 * 1024, i));
    const wrapped = withReadIdleTimeout(Readable.from(data), 40, () => new Error('idle'));
    let total = 0;
    for await (const chunk of wrapped) {
      total += (chunk as Buffer).length;
      await new Promise((r) => setTimeout(r, 60));
    }
    expect(total).toBe(8 * 64 * 1024);

    const silent = new Readable({ read() {} });
    silent.push(Buffer.from('first'));
    const guarded = withReadIdleTimeout(silent, 40, () => new Error('idle for 40 ms'));
    const got: string[] = [];
    await expect(
      (async () => {
        for await (const c of guarded) got.push(String(c));
      })(),
    ).rejects.toThrow('idle for 40 ms');
    expect(got).toEqual(['first']);
    expect(silent.destroyed).toBe(true);
  });
});
