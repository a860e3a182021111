import { describe, expect, it } from 'vitest';
import { runLogsCommand } from '../../../src/logs/logs-command.js';
import { fixtureBytes } from './fixtures.js';
import { Collector, fakeDeps } from './fake-cluster.js';

async function run(dir: string, args: string[], opts: Parameters<typeof fakeDeps>[1] = {}) {
  const { deps, meta, sleeps } = fakeDeps(dir, opts);
  const stdout = new Collector();
  const stderr = new Collector();
  const code = await runLogsCommand(args, { stdout, stderr }, deps);
  return { code, stdout, stderr, meta, sleeps };
}

describe.each(['cluster-small', 'cluster-multichunk'])('tspark logs vs yarn logs on %s', (dir) => {
  const { meta } = fakeDeps(dir);
  it.each(meta.outputs.map((o) => [o.name, o] as const))(
    '%s: same bytes as yarn logs',
    async (_name, output) => {
      const { code, stdout, stderr } = await run(dir, output.args);
      expect(stderr.text).toBe('');
      expect(code).toBe(0);
      const expected = fixtureBytes(dir, output.file);
      expect(stdout.bytes.length).toBe(expected.length);
      expect(stdout.bytes.equals(expected)).toBe(true);
    },
  );
});

describe('tspark logs on a finished application', () => {
  it('takes the application id as the first argument and double-dash options', async () => {
    const { meta } = fakeDeps('cluster-small');
    const expected = fixtureBytes(
      'cluster-small',
      meta.outputs.find((o) => o.name === 'log_files-stderr')!.file,
    );
    const { code, stdout } = await run('cluster-small', [meta.app.id, '--log_files', 'stderr']);
    expect(code).toBe(0);
    expect(stdout.bytes.equals(expected)).toBe(true);
  });

  it('waits, with a message, until log aggregation has finished', async () => {
    const { meta } = fakeDeps('cluster-small');
    const { code, stderr, sleeps } = await run('cluster-small', [meta.app.id, '-list_nodes'], {
      logAggregationStatus: ['NOT_START', 'RUNNING', 'RUNNING', 'SUCCEEDED'],
    });
    expect(code).toBe(0);
    expect(stderr.text).toMatch(
      /^Waiting for log aggregation of application_\S+ to finish \(status NOT_START/,
    );
    expect(sleeps).toEqual([1000, 1000, 1000]);
  });

  it('stops waiting after the bound and says so', async () => {
    const { meta } = fakeDeps('cluster-small');
    const { deps } = fakeDeps('cluster-small', { logAggregationStatus: ['RUNNING'] });
    deps.aggregationWaitMs = 5000;
    const stdout = new Collector();
    const stderr = new Collector();
    const code = await runLogsCommand([meta.app.id, '-list_nodes'], { stdout, stderr }, deps);
    expect(code).toBe(0);
    expect(stderr.text).toContain('is still RUNNING after 5 s; showing what has been aggregated so far');
  });

  it('says the logs are gone, and which setting keeps them, when aggregation was disabled', async () => {
    const { meta } = fakeDeps('cluster-small');
    const { code, stderr, stdout } = await run('cluster-small', [meta.app.id], {
      logAggregationStatus: ['DISABLED'],
    });
    expect(code).toBe(8);
    expect(stdout.text).toBe('');
    expect(stderr.text).toMatch(
      /^Error: application \S+ has finished and log aggregation is disabled.*yarn\.log-aggregation-enable=true/,
    );
  });

  it('finds the logs of an application the ResourceManager forgot, guessing the owner', async () => {
    const { meta } = fakeDeps('cluster-small');
    const expected = fixtureBytes('cluster-small', meta.outputs.find((o) => o.name === 'all')!.file);
    const { code, stdout, stderr } = await run('cluster-small', [meta.app.id], { appKnown: false });
    expect(code).toBe(0);
    expect(stderr.text).toContain('is unknown to the ResourceManager');
    expect(stdout.bytes.equals(expected)).toBe(true);
  });

  it('rejects an unknown application with a not-found error', async () => {
    const { code, stderr } = await run('cluster-small', ['application_1700000000000_0099']);
    expect(code).toBe(8);
    expect(stderr.text.split('\n')[1]).toMatch(
      /^Error: application application_1700000000000_0099 is unknown to the ResourceManager and has no aggregated logs/,
    );
  });

  it('rejects a malformed application id before any call', async () => {
    const { code, stderr } = await run('cluster-small', ['application_12x']);
    expect(code).toBe(2);
    expect(stderr.text).toMatch(
      /^Error: 'application_12x' is not a valid application id; expected application_<clusterTimestamp>_<sequence>/,
    );
  });

  it('names the user and the path when HDFS denies access', async () => {
    const { deps, meta } = fakeDeps('cluster-small');
    deps.fs.list = async (path) => {
      throw Object.assign(
        new Error(`Permission denied: user=mallory, access=READ_EXECUTE, inode="${path}"`),
        { code: 'HADOOP_PERMISSION_DENIED' },
      );
    };
    deps.user = 'mallory';
    const stdout = new Collector();
    const stderr = new Collector();
    const code = await runLogsCommand([meta.app.id], { stdout, stderr }, deps);
    expect(code).toBe(9);
    expect(stderr.text).toContain(
      `HDFS denied user 'mallory' access to the aggregated logs at /tmp/logs/root/bucket-logs-tfile/`,
    );
  });

  it('explains what to configure when the cluster writes the indexed format', async () => {
    const { meta } = fakeDeps('cluster-small');
    const { code, stderr } = await run('cluster-small', [meta.app.id], {
      conf: {
        'yarn.log-aggregation.file-formats': 'IndexedFormat',
        'yarn.log-aggregation.file-controller.IndexedFormat.class':
          'org.apache.hadoop.yarn.logaggregation.filecontroller.ifile.LogAggregationIndexedFileController',
        'yarn.log-aggregation.IndexedFormat.remote-app-log-dir-suffix': 'logs-tfile',
      },
    });
    expect(code).toBe(3);
    expect(stderr.text).toMatch(
      /yarn\.log-aggregation\.file-formats=IndexedFormat.*yarn\.log\.server\.web-service\.url/,
    );
  });

  it('reports a file selection that matches nothing', async () => {
    const { meta } = fakeDeps('cluster-small');
    const { code, stderr, stdout } = await run('cluster-small', [meta.app.id, '-log_files', 'nosuch']);
    expect(code).toBe(8);
    expect(stdout.text).toBe('');
    expect(stderr.text).toContain('no log file matching [nosuch]');
  });

  it('reads a 3 MB file in bounded pieces, without buffering the file', async () => {
    const reads: { path: string; offset: number; length: number; served: number }[] = [];
    const { meta } = fakeDeps('cluster-multichunk');
    const { code } = await run('cluster-multichunk', [meta.app.id, '-size', '-200'], {
      reads,
      pieceBytes: 4096,
    });
    expect(code).toBe(0);
    // The tail (64 KiB, all indexes) once, then the data block as streamed ranges: -size -200
    // skips each 1 MiB value chunk by restarting the range after it instead of transferring it.
    expect(reads[0]!.length).toBe(64 * 1024);
    expect(reads.length).toBeLessThanOrEqual(2 + 4);
    const served = reads.reduce((a, r) => a + r.served, 0);
    expect(served).toBeLessThan(64 * 1024 + 4 * 256 * 1024);
    // The bytes printed at the end come from the cached tail.
    expect(reads.slice(1).every((r) => r.offset + r.served <= 3_170_376 - 200)).toBe(true);
  });
});

describe('fetchContainerLogTail', () => {
  it('reads the last bytes of a file from the aggregated logs, without framing', async () => {
    const { fetchContainerLogTail } = await import('../../../src/logs/container-log-tail.js');
    const { deps, meta } = fakeDeps('cluster-small');
    const c2 = meta.attempts[1]!;
    const tail = await fetchContainerLogTail(deps, {
      appId: meta.app.id,
      containerId: c2.containerId,
      owner: meta.app.user,
      fileName: 'stderr',
      bytes: 20,
      nodeId: c2.nodeId,
    });
    const full = `stderr of ${c2.containerId}\n`;
    expect(tail!.toString()).toBe(full.slice(full.length - 20));
    expect(
      await fetchContainerLogTail(deps, {
        appId: meta.app.id,
        containerId: c2.containerId,
        owner: meta.app.user,
        fileName: 'nosuch',
        bytes: 20,
      }),
    ).toBeUndefined();
  });
});

describe('-out <dir>', () => {
  it("writes one file per container under <dir>/<node>/, holding yarn logs' bytes for that container", async () => {
    const { mkdtempSync, readFileSync, rmSync, readdirSync } = await import('node:fs');
    const os = await import('node:os');
    const path = await import('node:path');
    const dir = mkdtempSync(path.join(os.tmpdir(), 'tspark-logs-out-'));
    try {
      const { meta } = fakeDeps('cluster-small');
      const { code, stdout } = await run('cluster-small', [meta.app.id, '-out', dir]);
      expect(code).toBe(0);
      expect(stdout.text).toBe('');
      const all = fixtureBytes('cluster-small', meta.outputs.find((o) => o.name === 'all')!.file).toString(
        'utf8',
      );
      const written: string[] = [];
      for (const node of meta.nodes) {
        for (const c of readdirSync(path.join(dir, node.name)).sort()) {
          const text = readFileSync(path.join(dir, node.name, c), 'utf8');
          expect(text.startsWith(`Container: ${c} on ${node.name}\n`)).toBe(true);
          written.push(text);
        }
      }
      expect(written.length).toBe(meta.attempts.length);
      expect(written.join('')).toBe(all);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('-nodeAddress', () => {
  it('with -containerId reads only that node file', async () => {
    const { meta } = fakeDeps('cluster-small');
    const c1 = meta.attempts[0]!;
    const other = meta.attempts.find((a) => a.nodeId !== c1.nodeId);
    const expected = fixtureBytes(
      'cluster-small',
      meta.outputs.find((o) => o.name === 'containerId-c1')!.file,
    );
    const right = await run('cluster-small', ['-containerId', c1.containerId, '-nodeAddress', c1.nodeId]);
    expect(right.code).toBe(0);
    expect(right.stdout.bytes.equals(expected)).toBe(true);
    if (other) {
      const wrong = await run('cluster-small', [
        '-containerId',
        c1.containerId,
        '-nodeAddress',
        other.nodeId,
      ]);
      expect(wrong.code).toBe(8);
      expect(wrong.stderr.text).toContain(`no logs of container ${c1.containerId} on node ${other.nodeId}`);
    }
  });

  it('alone is a usage error, as in yarn logs', async () => {
    const { meta } = fakeDeps('cluster-small');
    const r = await run('cluster-small', [meta.app.id, '-nodeAddress', meta.attempts[0]!.nodeId]);
    expect(r.code).toBe(2);
    expect(r.stderr.text).toContain('-nodeAddress needs -containerId');
  });
});

describe('a reader that goes away (tspark logs ... | head)', () => {
  it('stops quietly with exit code 0', async () => {
    const { Writable } = await import('node:stream');
    const { deps, meta } = fakeDeps('cluster-multichunk');
    let written = 0;
    const stdout = new Writable({
      write(chunk: Buffer, _enc, cb) {
        written += chunk.length;
        if (written > 100_000) cb(Object.assign(new Error('write EPIPE'), { code: 'EPIPE' }));
        else cb();
      },
    });
    stdout.on('error', () => undefined);
    const stderr = new Collector();
    const code = await runLogsCommand([meta.app.id], { stdout, stderr }, deps);
    expect(code).toBe(0);
    expect(stderr.text).toBe('');
    expect(written).toBeLessThan(1024 * 1024);
  });
});

describe('ResourceManager down', () => {
  it('still prints the aggregated logs from HDFS, saying why', async () => {
    const { deps, meta } = fakeDeps('cluster-small');
    deps.rm.getApplication = async () => {
      throw Object.assign(
        new Error('Cannot reach the ResourceManager at http://127.0.0.1:8088 (ECONNREFUSED)'),
        { code: 'HADOOP_UNREACHABLE' },
      );
    };
    const stdout = new Collector();
    const stderr = new Collector();
    const code = await runLogsCommand([meta.app.id, '-log_files', 'stderr'], { stdout, stderr }, deps);
    expect(code).toBe(0);
    expect(stderr.text).toContain('Cannot reach the ResourceManager');
    const expected = fixtureBytes(
      'cluster-small',
      meta.outputs.find((o) => o.name === 'log_files-stderr')!.file,
    );
    expect(stdout.bytes.equals(expected)).toBe(true);
  });
});
