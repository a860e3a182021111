import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { ExitCode } from '../../../../src/errors.js';
import {
  HadoopRemoteError,
  HadoopUnreachableError,
  RemoteAlreadyExistsError,
  RemoteNotFoundError,
  RemotePermissionDeniedError,
} from '../../../../src/hadoop/rest/errors.js';
import type { RetryPolicy } from '../../../../src/hadoop/rest/retry.js';
import { WebHdfsClient } from '../../../../src/hadoop/webhdfs/client.js';
import {
  fixtureBody,
  fixtureJson,
  loadFixture,
  replay,
  type Handler,
  type Reply,
} from '../../../support/fake-http-server.js';
import { server, manualClock } from '../../../support/fake-servers.js';



const POLICY: RetryPolicy = { maxAttempts: 4, initialDelayMs: 100, maxDelayMs: 250, multiplier: 2 };

/** The HDFS path a recorded request was for. */
function hdfsPath(name: string): string {
  return loadFixture('webhdfs', name).request.path.replace(/^\/webhdfs\/v1/, '');
}

function client(
  namenodes: string[],
  clock = manualClock(),
  extra: Partial<ConstructorParameters<typeof WebHdfsClient>[0]> = {},
) {
  return new WebHdfsClient({ namenodes, user: 'root', retry: POLICY, retryEnv: clock, ...extra });
}

/** A NameNode that answers each op with the named fixture. */
function byOp(table: Record<string, string | Reply>, locationOrigin?: string): Handler {
  return (req) => {
    const entry = table[req.query.op ?? ''];
    if (entry === undefined) return { status: 500, body: `unexpected op ${req.query.op}` };
    return typeof entry === 'string' ? replay(loadFixture('webhdfs', entry), locationOrigin) : entry;
  };
}

describe('WebHDFS metadata operations against recorded NameNode answers', () => {
  it('GETFILESTATUS: sends op and user.name, decodes the recorded status', async () => {
    const nn = await server(byOp({ GETFILESTATUS: 'getfilestatus-file' }));
    const path = hdfsPath('getfilestatus-file');
    const status = await client([nn.url]).getFileStatus(path);
    const raw = fixtureJson(loadFixture('webhdfs', 'getfilestatus-file')).FileStatus;
    expect(nn.requests).toHaveLength(1);
    expect(nn.requests[0]).toMatchObject({
      method: 'GET',
      path: `/webhdfs/v1${path}`,
      query: { op: 'GETFILESTATUS', 'user.name': 'root' },
    });
    expect(status).toMatchObject({
      path,
      name: 'hello.txt',
      type: 'FILE',
      length: raw.length,
      owner: raw.owner,
      group: raw.group,
      permission: parseInt(raw.permission, 8),
      replication: raw.replication,
      blockSize: raw.blockSize,
      modificationTime: raw.modificationTime,
    });
  });

  it('LISTSTATUS: children get absolute paths; an empty directory is an empty list', async () => {
    const nn = await server((req) =>
      replay(loadFixture('webhdfs', req.path.endsWith('/sub') ? 'liststatus-empty-dir' : 'liststatus-dir')),
    );
    const dir = hdfsPath('liststatus-dir');
    const list = await client([nn.url]).listStatus(dir);
    const raw: { pathSuffix: string; type: string; length: number }[] = fixtureJson(
      loadFixture('webhdfs', 'liststatus-dir'),
    ).FileStatuses.FileStatus;
    expect(list.map((s) => s.path)).toEqual(raw.map((r) => `${dir}/${r.pathSuffix}`));
    expect(list.map((s) => s.type)).toEqual(raw.map((r) => r.type));
    expect(list.map((s) => s.length)).toEqual(raw.map((r) => r.length));
    expect(await client([nn.url]).listStatus(`${dir}/sub`)).toEqual([]);
  });

  it('MKDIRS, SETPERMISSION, DELETE, RENAME, GETHOMEDIRECTORY: methods, parameters and answers', async () => {
    const nn = await server((req) => {
      const q = req.query;
      if (q.op === 'MKDIRS') return replay(loadFixture('webhdfs', 'mkdirs'));
      if (q.op === 'SETPERMISSION') return replay(loadFixture('webhdfs', 'setpermission'));
      if (q.op === 'DELETE')
        return replay(
          loadFixture('webhdfs', req.path.endsWith('gone') ? 'delete-false-missing' : 'delete-true'),
        );
      if (q.op === 'RENAME')
        return replay(
          loadFixture('webhdfs', req.path.endsWith('nope') ? 'rename-false-missing-source' : 'rename-true'),
        );
      if (q.op === 'GETHOMEDIRECTORY') return replay(loadFixture('webhdfs', 'gethomedirectory'));
      return { status: 500 };
    });
    const c = client([nn.url]);
    expect(await c.mkdirs('/a/b', 0o700)).toBe(true);
    await c.setPermission('/a/b', '644');
    expect(await c.delete('/a/b', true)).toBe(true);
    expect(await c.delete('/a/gone')).toBe(false);
    expect(await c.rename('/a/x', '/a/y z')).toBe(true);
    expect(await c.rename('/a/nope', '/a/y')).toBe(false);
    expect(await c.getHomeDirectory()).toBe(fixtureJson(loadFixture('webhdfs', 'gethomedirectory')).Path);
    const [mk, chmod, del, del2, ren] = nn.requests;
    expect(mk).toMatchObject({
      method: 'PUT',
      path: '/webhdfs/v1/a/b',
      query: { op: 'MKDIRS', permission: '700' },
    });
    expect(chmod).toMatchObject({ method: 'PUT', query: { op: 'SETPERMISSION', permission: '644' } });
    expect(del).toMatchObject({ method: 'DELETE', query: { op: 'DELETE', recursive: 'true' } });
    expect(del2!.query.recursive).toBe('false');
    expect(ren).toMatchObject({
      method: 'PUT',
      path: '/webhdfs/v1/a/x',
      query: { op: 'RENAME', destination: '/a/y z' },
    });
  });

  it('percent-encodes path components', async () => {
    const nn = await server(byOp({ GETFILESTATUS: 'getfilestatus-file' }));
    await client([nn.url]).getFileStatus('/dir with space/a%b#c');
    expect(nn.requests[0]!.path).toBe('/webhdfs/v1/dir with space/a%b#c');
  });

  it('rejects a relative path before sending anything', async () => {
    const nn = await server(byOp({}));
    await expect(client([nn.url]).getFileStatus('relative/x')).rejects.toMatchObject({
      code: 'HDFS_RELATIVE_PATH',
      exitCode: ExitCode.USAGE,
    });
    expect(nn.requests).toHaveLength(0);
  });
});

describe('block locations', () => {
  it('decodes GETFILEBLOCKLOCATIONS of a recorded 3-block file', async () => {
    const nn = await server(byOp({ GETFILEBLOCKLOCATIONS: 'getfileblocklocations' }));
    const f = loadFixture('webhdfs', 'getfileblocklocations');
    const blocks = await client([nn.url]).getFileBlockLocations(
      hdfsPath('getfileblocklocations'),
      0,
      2621440,
    );
    const raw: { offset: number; length: number; hosts: string[] }[] =
      fixtureJson(f).BlockLocations.BlockLocation;
    expect(blocks.map((b) => [b.offset, b.length, b.hosts])).toEqual(
      raw.map((b) => [b.offset, b.length, b.hosts]),
    );
    // The file was written with 1 MiB blocks and 2.5 MiB of data.
    expect(blocks.map((b) => b.length)).toEqual([1048576, 1048576, 524288]);
    expect(nn.requests[0]!.query).toMatchObject({ offset: '0', length: '2621440' });
  });

  it('falls back to GET_BLOCK_LOCATIONS when the NameNode rejects the public op, with the same result', async () => {
    // The rejection is the recorded answer to an unknown op, naming this op instead.
    const badOp = loadFixture('webhdfs', 'error-bad-op');
    const rejection: Reply = {
      ...replay(badOp),
      body: fixtureBody(badOp).toString('utf8').replace('NOSUCHOP', 'GETFILEBLOCKLOCATIONS'),
    };
    const nn = await server(
      byOp({ GETFILEBLOCKLOCATIONS: rejection, GET_BLOCK_LOCATIONS: 'get-block-locations' }),
    );
    const c = client([nn.url]);
    const path = hdfsPath('get-block-locations');
    const blocks = await c.getFileBlockLocations(path);
    const expected: { offset: number; length: number; hosts: string[]; names: string[] }[] = fixtureJson(
      loadFixture('webhdfs', 'getfileblocklocations'),
    ).BlockLocations.BlockLocation;
    expect(blocks.map((b) => [b.offset, b.length, b.hosts, b.names])).toEqual(
      expected.map((b) => [b.offset, b.length, b.hosts, b.names]),
    );
    // Remembered: the second call goes straight to the private op.
    await c.getFileBlockLocations(path);
    expect(nn.requests.map((r) => r.query.op)).toEqual([
      'GETFILEBLOCKLOCATIONS',
      'GET_BLOCK_LOCATIONS',
      'GET_BLOCK_LOCATIONS',
    ]);
  });
});

describe('two-step writes and redirected reads', () => {
  it('CREATE: body-less PUT to the NameNode, then the bytes to the DataNode it named', async () => {
    const dn = await server(() => replay(loadFixture('webhdfs', 'create-step2-datanode')));
    const nn = await server(byOp({ CREATE: 'create-step1-namenode' }, dn.url));
    const data = Buffer.from('hello webhdfs\nline two\n');
    await client([nn.url]).create('/x/hello.txt', data, { permission: 0o644, overwrite: false });
    expect(nn.requests).toHaveLength(1);
    expect(nn.requests[0]).toMatchObject({
      method: 'PUT',
      query: { op: 'CREATE', overwrite: 'false', permission: '644' },
    });
    expect(nn.requests[0]!.body.length).toBe(0);
    const recordedLocation = new URL(
      loadFixture('webhdfs', 'create-step1-namenode').response.headers.location!,
    );
    expect(dn.requests).toHaveLength(1);
    expect(dn.requests[0]).toMatchObject({
      method: 'PUT',
      path: decodeURIComponent(recordedLocation.pathname),
    });
    expect(dn.requests[0]!.query).toEqual(Object.fromEntries(recordedLocation.searchParams.entries()));
    expect(dn.requests[0]!.body.equals(data)).toBe(true);
    expect(dn.requests[0]!.headers['content-length']).toBe(String(data.length));
  });

  it('streams a large one-shot Readable to the DataNode chunk by chunk', async () => {
    const hash = createHash('sha256');
    let received = 0;
    const dn = await server((req) => {
      hash.update(req.body);
      received += req.body.length;
      return replay(loadFixture('webhdfs', 'create-step2-datanode'));
    });
    const nn = await server(byOp({ CREATE: 'create-step1-namenode' }, dn.url));
    const chunk = 64 * 1024;
    const chunks = 96; // 6 MiB
    const expected = createHash('sha256');
    const source = Readable.from(
      (function* () {
        for (let i = 0; i < chunks; i++) {
          const b = Buffer.alloc(chunk, i % 256);
          expected.update(b);
          yield b;
        }
      })(),
    );
    await client([nn.url]).create('/x/big.bin', source, { overwrite: true });
    expect(received).toBe(chunk * chunks);
    expect(hash.digest('hex')).toBe(expected.digest('hex'));
    // Unknown length: chunked transfer, no Content-Length.
    expect(dn.requests[0]!.headers['transfer-encoding']).toBe('chunked');
  });

  it('APPEND: POST to both legs', async () => {
    const dn = await server(() => replay(loadFixture('webhdfs', 'append-step2-datanode')));
    const nn = await server(byOp({ APPEND: 'append-step1-namenode' }, dn.url));
    await client([nn.url]).append('/x/hello.txt', 'appended\n');
    expect(nn.requests[0]).toMatchObject({ method: 'POST', query: { op: 'APPEND' } });
    expect(dn.requests[0]!.method).toBe('POST');
    expect(dn.requests[0]!.body.toString()).toBe('appended\n');
  });

  it('OPEN with offset and length follows the redirect and streams the DataNode bytes', async () => {
    const dn = await server(() => replay(loadFixture('webhdfs', 'open-step2-datanode')));
    const nn = await server(byOp({ OPEN: 'open-step1-namenode' }, dn.url));
    const bytes = await client([nn.url]).readAll('/x/hello.txt', { offset: 6, length: 7 });
    expect(nn.requests[0]!.query).toMatchObject({ op: 'OPEN', offset: '6', length: '7' });
    expect(bytes.equals(fixtureBody(loadFixture('webhdfs', 'open-step2-datanode')))).toBe(true);
    // The recorded file was 'hello webhdfs\nline two\n': bytes 6..12.
    expect(bytes.toString()).toBe('hello webhdfs\nline two\n'.slice(6, 13));
  });

  it('a DataNode that stalls mid-read fails the stream after the idle timeout', async () => {
    const dn = await server(() => ({
      status: 200,
      headers: { 'content-type': 'application/octet-stream' },
      stallAfter: Buffer.from('abc'),
    }));
    const nn = await server(byOp({ OPEN: 'open-step1-namenode' }, dn.url));
    const stream = await client([nn.url], manualClock(), { readIdleTimeoutMs: 150 }).open('/x/hello.txt');
    const got: Buffer[] = [];
    const err = await (async () => {
      try {
        for await (const c of stream) got.push(c as Buffer);
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(Buffer.concat(got).toString()).toBe('abc');
    expect(err).toBeInstanceOf(HadoopUnreachableError);
    expect((err as Error).message).toMatch(/DataNode at .*no data for 150 ms/);
  });
});

describe('timeouts', () => {
  it('a DataNode that takes the bytes but never answers fails after requestTimeoutMs (no retry for a one-shot stream)', async () => {
    const dn = await server(() => new Promise<Reply>(() => undefined));
    const nn = await server(byOp({ CREATE: 'create-step1-namenode' }, dn.url));
    const started = Date.now();
    const err = (await client([nn.url], manualClock(), { requestTimeoutMs: 150 })
      .create('/x', Readable.from([Buffer.from('data')]), { overwrite: true })
      .catch((e: unknown) => e)) as HadoopUnreachableError;
    expect(err).toBeInstanceOf(HadoopUnreachableError);
    expect(err.message).toContain('the DataNode at');
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(dn.requests).toHaveLength(1);
    expect(dn.requests[0]!.body.toString()).toBe('data');
  });

  it('a NameNode that never answers fails the metadata call after requestTimeoutMs, then is retried', async () => {
    let n = 0;
    const nn = await server(() =>
      ++n === 1 ? new Promise<Reply>(() => undefined) : replay(loadFixture('webhdfs', 'getfilestatus-file')),
    );
    const status = await client([nn.url], manualClock(), { requestTimeoutMs: 100 }).getFileStatus('/x');
    expect(status.type).toBe('FILE');
    expect(nn.requests).toHaveLength(2);
  });

  it('without a user, no user.name is sent (the server then acts as its static user)', async () => {
    const nn = await server(byOp({ GETFILESTATUS: 'getfilestatus-file' }));
    await new WebHdfsClient({ namenodes: [nn.url] }).getFileStatus('/x');
    expect(nn.requests[0]!.query['user.name']).toBeUndefined();
  });
});

describe('RemoteException bodies become typed errors (recorded from the cluster)', () => {
  async function failWith(name: string, call: (c: WebHdfsClient) => Promise<unknown>, user = 'root') {
    const nn = await server(() => replay(loadFixture('webhdfs', name)));
    return call(
      new WebHdfsClient({ namenodes: [nn.url], user, retry: POLICY, retryEnv: manualClock() }),
    ).then(
      () => {
        throw new Error('expected a failure');
      },
      (e: unknown) => ({ error: e as HadoopRemoteError, requests: nn.requests.length }),
    );
  }

  it('FileNotFoundException -> RemoteNotFoundError with the path, not retried', async () => {
    const path = hdfsPath('error-getfilestatus-not-found');
    const { error, requests } = await failWith('error-getfilestatus-not-found', (c) => c.getFileStatus(path));
    expect(error).toBeInstanceOf(RemoteNotFoundError);
    expect(error).toMatchObject({
      code: 'HADOOP_NOT_FOUND',
      exitCode: ExitCode.NOT_FOUND,
      retriable: false,
      httpStatus: 404,
    });
    expect(error.message).toContain(`HDFS path ${path} was not found`);
    expect(error.message).toContain(`File does not exist: ${path}`);
    expect(error.context.path).toBe(path);
    expect(requests).toBe(1);
  });

  it('AccessControlException -> RemotePermissionDeniedError naming user, access and inode', async () => {
    const path = hdfsPath('error-permission-denied-mkdirs');
    const { error, requests } = await failWith(
      'error-permission-denied-mkdirs',
      (c) => c.mkdirs(path),
      'mallory',
    );
    const inode = path.replace(/\/sub$/, '');
    expect(error).toBeInstanceOf(RemotePermissionDeniedError);
    expect(error).toMatchObject({
      code: 'HADOOP_PERMISSION_DENIED',
      exitCode: ExitCode.PERMISSION,
      httpStatus: 403,
    });
    expect(error.message).toContain(
      `user mallory may not EXECUTE ${inode} (owned by root:supergroup, mode drwx------)`,
    );
    expect(error.context).toMatchObject({ deniedUser: 'mallory', inode, access: 'EXECUTE', user: 'mallory' });
    expect(requests).toBe(1);
  });

  it('FileAlreadyExistsException from the DataNode leg, its stack trace kept out of the message', async () => {
    const dn = await server(() => replay(loadFixture('webhdfs', 'error-create-exists-step2-datanode')));
    const nn = await server(byOp({ CREATE: 'error-create-exists-step1-namenode' }, dn.url));
    const err = (await client([nn.url])
      .create('/x/renamed.txt', 'x')
      .catch((e: unknown) => e)) as HadoopRemoteError;
    expect(err).toBeInstanceOf(RemoteAlreadyExistsError);
    expect(err.message).toMatch(
      /the DataNode at http:\/\/127\.0\.0\.1:\d+ answered 403 FileAlreadyExistsException: .*renamed\.txt for client 127\.0\.0\.1 already exists/,
    );
    expect(err.message).not.toContain('\tat org.apache');
    expect(err.remote.message).toContain('\tat org.apache');
  });

  it('OPEN of a directory: the NameNode redirects, the DataNode says FileNotFound', async () => {
    const dn = await server(() => replay(loadFixture('webhdfs', 'error-open-directory-step2-datanode')));
    const nn = await server(byOp({ OPEN: 'error-open-directory-step1-namenode' }, dn.url));
    const err = (await client([nn.url])
      .open('/x/dir')
      .catch((e: unknown) => e)) as HadoopRemoteError;
    expect(err).toBeInstanceOf(RemoteNotFoundError);
    expect(err.message).toContain('Path is not a file');
    expect(err.context.service).toBe('DataNode');
  });

  it.each([
    ['error-delete-non-empty', 'PathIsNotEmptyDirectoryException', 'HDFS_DIRECTORY_NOT_EMPTY'],
    ['error-mkdirs-under-file', 'ParentNotDirectoryException', 'HDFS_PARENT_NOT_DIRECTORY'],
    ['error-bad-permission', 'IllegalArgumentException', 'HADOOP_BAD_REQUEST'],
    ['error-liststatus-not-found', 'FileNotFoundException', 'HADOOP_NOT_FOUND'],
    ['error-permission-denied-liststatus', 'AccessControlException', 'HADOOP_PERMISSION_DENIED'],
  ])('%s -> %s -> %s, never retried (4xx)', async (name, exception, code) => {
    const { error, requests } = await failWith(name, (c) => c.listStatus('/x'));
    expect(error).toMatchObject({ code, retriable: false });
    expect(error.remote.exception).toBe(exception);
    expect(requests).toBe(1);
  });
});

describe('retry policy (manual clock, no real waiting)', () => {
  it('retries 5xx on idempotent calls with capped, jittered exponential backoff', async () => {
    let n = 0;
    const nn = await server(() =>
      ++n <= 3 ? { status: 503, body: 'busy' } : replay(loadFixture('webhdfs', 'getfilestatus-file')),
    );
    const clock = manualClock();
    await client([nn.url], clock).getFileStatus('/x');
    expect(nn.requests).toHaveLength(4);
    // Window k (k = 1..): min(max, initial * multiplier^(k-1)); jitter 0.5 takes half of it.
    const expected: number[] = [];
    for (let k = 1; k <= 3; k++)
      expected.push(
        Math.floor(Math.min(POLICY.maxDelayMs, POLICY.initialDelayMs * POLICY.multiplier ** (k - 1)) * 0.5),
      );
    expect(clock.sleeps).toEqual(expected);
  });

  it('gives up after maxAttempts with the last error', async () => {
    const nn = await server(() => ({ status: 500, body: '<html>oops</html>' }));
    const clock = manualClock();
    const err = await client([nn.url], clock)
      .getFileStatus('/x')
      .catch((e: unknown) => e as Error);
    expect(err).toMatchObject({ code: 'HADOOP_HTTP_ERROR', httpStatus: 500 });
    expect(nn.requests).toHaveLength(POLICY.maxAttempts);
    expect(clock.sleeps).toHaveLength(POLICY.maxAttempts - 1);
  });

  it('does not repeat a non-idempotent RENAME after a 5xx', async () => {
    const nn = await server(() => ({ status: 500, body: 'x' }));
    await expect(client([nn.url]).rename('/a', '/b')).rejects.toMatchObject({ httpStatus: 500 });
    expect(nn.requests).toHaveLength(1);
  });

  it('retries SafeModeException (the NameNode refused before acting), even for RENAME', async () => {
    // Body in the documented RemoteException shape; the test cluster is not put in safe mode.
    const safeMode: Reply = {
      status: 403,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        RemoteException: {
          exception: 'SafeModeException',
          javaClassName: 'org.apache.hadoop.hdfs.server.namenode.SafeModeException',
          message: 'Cannot rename /a. Name node is in safe mode.',
        },
      }),
    };
    let n = 0;
    const nn = await server(() => (++n === 1 ? safeMode : replay(loadFixture('webhdfs', 'rename-true'))));
    expect(await client([nn.url]).rename('/a', '/b')).toBe(true);
    expect(nn.requests).toHaveLength(2);
  });

  it('a one-shot stream is not re-sent after the DataNode failed; a replayable source is', async () => {
    let dnCalls = 0;
    const dn = await server(() =>
      ++dnCalls === 1
        ? { status: 500, body: 'disk' }
        : replay(loadFixture('webhdfs', 'create-step2-datanode')),
    );
    const nn = await server(byOp({ CREATE: 'create-step1-namenode' }, dn.url));
    await expect(
      client([nn.url]).create('/x', Readable.from([Buffer.from('once')]), { overwrite: true }),
    ).rejects.toMatchObject({ httpStatus: 500 });
    expect(dnCalls).toBe(1);
    dnCalls = 0;
    await client([nn.url]).create('/x', Buffer.from('twice'), { overwrite: true });
    expect(dnCalls).toBe(2);
    expect(dn.requests.at(-1)!.body.toString()).toBe('twice');
  });
});
