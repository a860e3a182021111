import { describe, expect, it } from 'vitest';
import type { NodeManagerHttp } from '../../../src/logs/deps.js';
import { parseLogsArgs } from '../../../src/logs/options.js';
import { followContainer } from '../../../src/logs/running/follow.js';
import {
  javaHashSetOrder,
  javaStringHash,
  formatHadoopTime,
} from '../../../src/logs/output/yarn-logs-format.js';
import { Collector } from './fake-cluster.js';
import { StreamWriter } from '../../../src/logs/output/sink.js';

const C = 'container_1700000000000_0001_01_000001';

/** A NodeManager whose `stdout` grows by one line per request, until `lines` lines; framing as in fixtures/logs/nm-running. */
function growingNodeManager(lines: number) {
  let content = '';
  let n = 0;
  const grow = (): void => {
    if (n < lines) content += `line ${n++}\n`;
  };
  const framed = (body: string, len: number): Buffer =>
    Buffer.from(
      `Container: ${C} on h:1\nLogAggregationType: LOCAL\n${'='.repeat(10)}\nLogType:stdout\nLogLastModifiedTime:x\nLogLength:${len}\nLogContents:\n${body}End of LogType:stdout.\n***\n\n`,
    );
  async function* body(b: Buffer): AsyncGenerator<Buffer> {
    yield b;
  }
  const nm: NodeManagerHttp = {
    async get(_a, p) {
      grow(); // the file grows between any two requests: listing and fetching race
      if (p === `/ws/v1/node/containers/${C}`) {
        return {
          status: 200,
          body: body(
            Buffer.from(
              JSON.stringify({ container: { state: n < lines ? 'RUNNING' : 'EXITED_WITH_SUCCESS' } }),
            ),
          ),
        };
      }
      if (p === `/ws/v1/node/containers/${C}/logs`) {
        const info = {
          fileName: 'stdout',
          fileSize: String(Buffer.byteLength(content)),
          lastModifiedTime: 'x',
        };
        return {
          status: 200,
          body: body(
            Buffer.from(
              JSON.stringify({
                containerLogsInfo: { containerLogInfo: [info], logAggregationType: 'LOCAL' },
              }),
            ),
          ),
        };
      }
      const m = /\/logs\/stdout\?size=(-?\d+)$/.exec(p);
      if (m) {
        const size = Number(m[1]);
        const all = Buffer.from(content);
        const part =
          size < 0
            ? all.subarray(Math.max(0, all.length + size))
            : all.subarray(0, Math.min(size, all.length));
        return { status: 200, body: body(framed(part.toString(), all.length)) };
      }
      return { status: 404, body: body(Buffer.from('')) };
    },
  };
  return { nm, expected: () => Array.from({ length: lines }, (_, i) => `line ${i}\n`).join('') };
}

describe('--follow', () => {
  it('prints every appended byte once, in order, although the file grows between requests', async () => {
    const { nm, expected } = growingNodeManager(25);
    const out = new Collector();
    let sleeps = 0;
    await followContainer(
      { nodeManagers: nm, clock: { now: () => 0, sleep: async () => void sleeps++ }, pollIntervalMs: 5 },
      { containerId: C, nodeId: 'h:1', nodeHttpAddress: 'h:8042' },
      {},
      new StreamWriter(out),
    );
    expect(out.text).toBe(expected());
    expect(sleeps).toBeGreaterThan(0);
  });
});

describe('tspark logs options', () => {
  it('takes yarn logs spellings, double dashes and the positional id', () => {
    const o = parseLogsArgs([
      'application_1700000000000_1',
      '-log_files',
      'stdout,stderr',
      'syslog',
      '--size',
      '-200',
      '-am',
      '-1',
      '--follow',
    ]);
    expect(o.appId).toBe('application_1700000000000_0001');
    expect(o.logFiles).toEqual(['stdout', 'stderr', 'syslog']);
    expect(o.size).toBe(-200);
    expect(o.am).toEqual([-1]);
    expect(o.follow).toBe(true);
  });

  it('derives the application from -containerId, including epoch container ids', () => {
    expect(parseLogsArgs(['-containerId', 'container_e17_1700000000000_0042_01_000003']).appId).toBe(
      'application_1700000000000_0042',
    );
  });

  it('treats ALL and * as all files, and rejects mixing -log_files with -log_files_pattern', () => {
    expect(parseLogsArgs(['application_1_0001', '-log_files', 'ALL']).logFiles).toBeUndefined();
    expect(() => parseLogsArgs(['application_1_0001', '-log_files', 'a', '-log_files_pattern', 'b'])).toThrow(
      /either -log_files or -log_files_pattern/,
    );
  });

  it.each([
    [['application_1_0001', '-am', '0'], /-am 0: valid values are ALL, -1/],
    [['application_1_0001', '-size', 'ten'], /-size takes a whole number/],
    [['application_1_0001', '-bogus'], /unknown option -bogus/],
    [
      ['-applicationId', 'application_1_0001', '-containerId', 'container_1_0002_01_000001'],
      /does not belong to application_1_0001/,
    ],
    [['-containerId', 'container_x'], /not a valid container id/],
    [[], /an application id or -containerId is required/],
    [['application_1_0001', '-log_files'], /-log_files needs a value/],
  ])('rejects %j', (argv, message) => {
    expect(() => parseLogsArgs(argv)).toThrow(message);
  });
});

describe('yarn logs formatting details', () => {
  it('formats times like Hadoop Times.format in the given zone', () => {
    // 2026-11-23T06:02:18Z
    const t = Date.UTC(2026, 10, 23, 6, 2, 18);
    expect(formatHadoopTime(t, () => 0)).toBe('Mon Nov 23 06:02:18 +0000 2026');
    expect(formatHadoopTime(t, () => -330)).toBe('Mon Nov 23 00:32:18 -0530 2026');
    expect(formatHadoopTime(0, () => 0)).toBe('N/A');
  });

  it("reproduces java.util.HashSet's iteration order (checked against yarn logs on the test cluster)", () => {
    // NM listing order, and the order yarn logs fetched them in (fixtures/logs, probe of a running app).
    const listed = [
      'launch_container.sh',
      'prelaunch.err',
      'stderr',
      'directory.info',
      'prelaunch.out',
      'stdout',
    ];
    expect(javaHashSetOrder(listed)).toEqual([
      'directory.info',
      'prelaunch.err',
      'stdout',
      'stderr',
      'launch_container.sh',
      'prelaunch.out',
    ]);
    // 's'*31^5 + 't'*31^4 + ... + 't' in 32-bit two's complement, computed by hand (Python).
    expect(javaStringHash('stdout')).toBe(-892396981);
  });
});
