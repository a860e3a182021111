// The TFile reader and `tspark logs` on files a real NodeManager aggregated
// with yarn.nodemanager.log-aggregation.compression-type=gz
// (test/fixtures/logs/cluster-gz, captured by scripts/hadoop/capture-log-fixtures.mjs).
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { AggregatedLogReader } from '../../../src/logs/aggregated/aggregated-log-reader.js';
import { runLogsCommand } from '../../../src/logs/logs-command.js';
import { BufferSource } from '../../../src/logs/tfile/random-access.js';
import { TFileReader } from '../../../src/logs/tfile/tfile-reader.js';
import { Collector, fakeDeps, type ClusterMeta } from './fake-cluster.js';
import { expectedHexLines, fixtureBytes, fixtureMeta } from './fixtures.js';

const DIR = 'cluster-gz';

interface GzMeta extends Omit<ClusterMeta, 'outputs'> {
  generator: { linesFirstAttempt: number; linesLaterAttempts: number };
  outputs: {
    name: string;
    args: string[];
    exitCode: number;
    file?: string;
    sha256?: string;
    length?: number;
  }[];
}

const meta = fixtureMeta<GzMeta>(DIR);

/** What the generator of the capture script writes in a container, recomputed here. */
function expectedFiles(containerId: string): Record<string, string> {
  const attempt = Number(containerId.split('_').at(-2));
  const lines = attempt === 1 ? meta.generator.linesFirstAttempt : meta.generator.linesLaterAttempts;
  return {
    stdout: `container ${containerId}\n${expectedHexLines(lines)}`,
    stderr: `stderr of ${containerId}\n`,
    'app.log': `app log of ${containerId}`,
    'empty.log': '',
  };
}

function nodeFileOf(containerNodeId: string): { name: string; file: string } {
  const node = meta.nodes.find((n) => n.name === containerNodeId.replace(':', '_'));
  if (!node) throw new Error(`no node file for ${containerNodeId}`);
  return node;
}

async function run(args: string[]) {
  const { deps } = fakeDeps(DIR);
  const stdout = new Collector();
  const stderr = new Collector();
  const code = await runLogsCommand(args, { stdout, stderr }, deps);
  return { code, stdout, stderr };
}

describe('TFile aggregated by a NodeManager with compression-type gz', () => {
  it('is gz-compressed, with a value of several chunks', async () => {
    const big = nodeFileOf(meta.attempts[0]!.nodeId);
    const tfile = await TFileReader.open(new BufferSource(fixtureBytes(DIR, big.file)), big.file);
    expect(tfile.layout.defaultCompression).toBe('gz');
    // A block closes only between records, and one container is one record:
    // a node file with one container is a single compressed block (writer-gz has several).
    const containersOnNode = meta.attempts.filter((a) => a.nodeId === meta.attempts[0]!.nodeId).length;
    if (containersOnNode === 1) expect(tfile.layout.dataBlocks.length).toBe(1);
    expect(tfile.layout.dataBlocks[0]!.compressedSize).toBeLessThan(tfile.layout.dataBlocks[0]!.rawSize);
    const chunks: number[] = [];
    for await (const record of tfile.records()) {
      while (await record.value.readUpTo(1 << 20));
      chunks.push(record.value.chunks);
    }
    // VERSION, APPLICATION_ACL, APPLICATION_OWNER, then a record per container;
    // the first attempt's ~1.3 MB of files are one value in 1 MiB chunks.
    expect(chunks.length).toBe(3 + containersOnNode);
    expect(Math.max(...chunks.slice(3))).toBeGreaterThanOrEqual(2);
  });

  it('holds, for every container, exactly the files and bytes the container wrote', async () => {
    const seen: string[] = [];
    for (const node of meta.nodes) {
      const reader = await AggregatedLogReader.open(
        new BufferSource(fixtureBytes(DIR, node.file)),
        node.file,
      );
      expect((await reader.readMeta()).owner).toBe(meta.app.user);
      for await (const c of reader.containers()) {
        seen.push(c.containerId);
        const expected = expectedFiles(c.containerId);
        const got: Record<string, string> = {};
        for await (const f of c.files()) {
          const parts: Buffer[] = [];
          for (let p = await f.read(50_000); p; p = await f.read(50_000)) parts.push(Buffer.from(p));
          const content = Buffer.concat(parts);
          expect(content.length).toBe(f.length);
          got[f.fileName] = content.toString('utf8');
        }
        expect(Object.keys(got).sort()).toEqual(Object.keys(expected).sort());
        for (const [name, content] of Object.entries(expected)) expect(got[name], name).toBe(content);
      }
    }
    expect(seen.sort()).toEqual(meta.attempts.map((a) => a.containerId).sort());
  });
});

describe('tspark logs vs yarn logs on the gz application', () => {
  it.each(meta.outputs.map((o) => [o.name, o] as const))(
    '%s: same bytes as yarn logs',
    async (_n, output) => {
      const { code, stdout, stderr } = await run(output.args);
      expect(stderr.text).toBe('');
      expect(code).toBe(output.exitCode);
      if (output.file) {
        expect(stdout.bytes.equals(fixtureBytes(DIR, output.file))).toBe(true);
      } else {
        // `all` is kept as a digest (1.3 MB of hex).
        expect(stdout.bytes.length).toBe(output.length);
        expect(createHash('sha256').update(stdout.bytes).digest('hex')).toBe(output.sha256);
      }
    },
  );

  it('prints the whole stdout of the big container, recomputed independently', async () => {
    const c1 = meta.attempts[0]!.containerId;
    const { code, stdout } = await run(['-containerId', c1, '-log_files', 'stdout']);
    expect(code).toBe(0);
    const text = stdout.text;
    const body = expectedFiles(c1).stdout!;
    expect(text).toContain(
      `LogLength:${Buffer.byteLength(body)}\nLogContents:\n${body}\nEnd of LogType:stdout\n`,
    );
  });
});
