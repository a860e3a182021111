import { describe, expect, it } from 'vitest';
import {
  knownRemoteExceptionClasses,
  remoteErrorFromResponse,
  remoteErrorRule,
  RemoteErrorCode,
} from '../../../../src/hadoop/ipc/remote-errors.js';
import { RemoteError } from '../../../../src/hadoop/ipc/errors.js';
import { ExitCode } from '../../../../src/errors.js';

describe('remote exception table', () => {
  it('maps the exceptions the AM acts on to distinct codes', () => {
    const y = 'org.apache.hadoop.yarn.exceptions.';
    expect(remoteErrorRule(`${y}ApplicationMasterNotRegisteredException`).code).toBe(
      RemoteErrorCode.AM_NOT_REGISTERED,
    );
    expect(remoteErrorRule(`${y}ApplicationAttemptNotFoundException`).code).toBe(
      RemoteErrorCode.ATTEMPT_NOT_FOUND,
    );
    expect(remoteErrorRule(`${y}InvalidApplicationMasterRequestException`).code).toBe(
      RemoteErrorCode.INVALID_AM_REQUEST,
    );
    expect(remoteErrorRule(`${y}InvalidResourceRequestException`)).toMatchObject({
      code: RemoteErrorCode.INVALID_RESOURCE_REQUEST,
      exitCode: ExitCode.RESOURCES,
    });
    expect(remoteErrorRule('org.apache.hadoop.security.token.SecretManager$InvalidToken').code).toBe(
      RemoteErrorCode.INVALID_TOKEN,
    );
    expect(remoteErrorRule('org.apache.hadoop.security.AccessControlException').code).toBe(
      RemoteErrorCode.ACCESS_DENIED,
    );
  });

  it('marks only transient server conditions retriable', () => {
    const retriable = knownRemoteExceptionClasses().filter((c) => remoteErrorRule(c).retriable);
    expect(retriable.sort()).toEqual([
      'org.apache.hadoop.ipc.RetriableException',
      'org.apache.hadoop.ipc.StandbyException',
      'org.apache.hadoop.yarn.exceptions.NMNotYetReadyException',
    ]);
  });

  it('classifies unknown classes as a generic, non-retriable remote error', () => {
    const e = remoteErrorFromResponse({ exceptionClassName: 'com.example.Weird', errorMsg: 'odd' }, false);
    expect(e).toBeInstanceOf(RemoteError);
    expect(e).toMatchObject({
      code: RemoteErrorCode.UNKNOWN,
      retriable: false,
      javaClass: 'com.example.Weird',
    });
    expect(e.message).toBe('Weird: odd');
  });

  it('keeps the stack out of the message and adds the hint', () => {
    const e = remoteErrorFromResponse(
      {
        exceptionClassName: 'org.apache.hadoop.yarn.exceptions.InvalidResourceRequestException',
        errorMsg:
          'Invalid resource request! Cannot allocate containers as requested resource is greater than maximum allowed allocation.\n\tat a.b(C.java:1)',
        errorDetail: 'ERROR_APPLICATION',
      },
      false,
      { method: 'allocate' },
    );
    expect(e.message).toBe(
      'InvalidResourceRequestException in allocate: Invalid resource request! Cannot allocate containers as requested resource is greater than maximum allowed allocation. ' +
        'Ask for no more than the maximum container size the ResourceManager reported at registration',
    );
    expect(e.remoteDetail).toContain('C.java:1');
    expect(e.context).toMatchObject({
      method: 'allocate',
      javaClass: expect.stringContaining('InvalidResourceRequest'),
    });
  });

  it('survives a header without class or message', () => {
    const e = remoteErrorFromResponse({}, true);
    expect(e.javaClass).toBe('org.apache.hadoop.ipc.RemoteException');
    expect(e.fatal).toBe(true);
    expect(e.message).toContain('(no message)');
  });
});
