import { describe, expect, it } from 'vitest';
import { AggregatedLogReader } from '../../../src/logs/aggregated/aggregated-log-reader.js';
import { BufferSource } from '../../../src/logs/tfile/random-access.js';
import { TFileReader } from '../../../src/logs/tfile/tfile-reader.js';
import {
  expectedFillerBlocks,
  expectedHexLines,
  fixtureBytes,
  fixtureMeta,
  type WriterMeta,
} from './fixtures.js';

async function readAll(
  dir: string,
): Promise<{ containerId: string; files: { name: string; length: number; content: Buffer }[] }[]> {
  const meta = fixtureMeta<WriterMeta>(dir);
  const reader = await AggregatedLogReader.open(new BufferSource(fixtureBytes(dir, meta.file)), meta.file);
  const out = [];
  for await (const c of reader.containers()) {
    const files = [];
    for await (const f of c.files()) {
      const parts: Buffer[] = [];
      for (let p = await f.read(7777); p; p = await f.read(7777)) parts.push(Buffer.from(p));
      files.push({ name: f.fileName, length: f.length, content: Buffer.concat(parts) });
    }
    out.push({ containerId: c.containerId, files });
  }
  return out;
}

describe.each(['writer-gz', 'writer-none'])('TFile files from Hadoop LogWriter (%s)', (dir) => {
  const meta = fixtureMeta<WriterMeta>(dir);

  it('has the layout Hadoop wrote: compression, several data blocks, record count', async () => {
    const tfile = await TFileReader.open(new BufferSource(fixtureBytes(dir, meta.file)), meta.file);
    expect(tfile.layout.defaultCompression).toBe(meta.compression);
    expect(tfile.layout.dataBlocks.length).toBeGreaterThanOrEqual(2);
    // VERSION, APPLICATION_ACL, APPLICATION_OWNER + one record per container.
    expect(tfile.meta.recordCount).toBe(3 + meta.containers.length);
    expect(tfile.meta.comparator).toBe('');
  });

  it('reassembles values written in several chunks', async () => {
    const tfile = await TFileReader.open(new BufferSource(fixtureBytes(dir, meta.file)), meta.file);
    const chunksPerRecord: number[] = [];
    const lengths: number[] = [];
    for await (const record of tfile.records()) {
      let n = 0;
      for (let p = await record.value.readUpTo(1 << 20); p; p = await record.value.readUpTo(1 << 20))
        n += p.length;
      chunksPerRecord.push(record.value.chunks);
      lengths.push(n);
    }
    // Record 4 is the second container (~2.6 MB in 1 MiB chunks).
    expect(lengths[4]).toBeGreaterThan(2 * 1024 * 1024);
    expect(chunksPerRecord[4]).toBeGreaterThanOrEqual(3);
    expect(chunksPerRecord.slice(0, 3)).toEqual([1, 1, 1]);
  });

  it('reads the reserved records', async () => {
    const reader = await AggregatedLogReader.open(new BufferSource(fixtureBytes(dir, meta.file)), meta.file);
    const m = await reader.readMeta();
    expect(m.version).toBe(1);
    expect(m.owner).toBe(meta.owner);
    expect(Object.fromEntries(m.acls)).toEqual({ VIEW_APP: meta.owner, MODIFY_APP: meta.owner });
  });

  it('streams every container file with the content that was written', async () => {
    const containers = await readAll(dir);
    expect(containers.map((c) => c.containerId)).toEqual(meta.containers);
    const [c1, c2, c3] = containers;
    const first = meta.compression === 'gz' ? expectedHexLines() : expectedFillerBlocks(30);
    expect(c1!.files.map((f) => f.name)).toEqual(['stdout']);
    expect(c1!.files[0]!.content.toString('utf8')).toBe(first);
    // ~2.6 MB: three 1 MiB value chunks; file bytes straddle chunk borders.
    expect(c2!.files.map((f) => f.name)).toEqual(['stderr', 'stdout']);
    expect(c2!.files[0]!.content.toString('utf8')).toBe('second container stderr\n');
    expect(c2!.files[1]!.content.toString('utf8')).toBe(expectedFillerBlocks(180));
    expect(c3!.files.map((f) => [f.name, f.length])).toEqual([
      ['empty.log', 0],
      ['stderr', Buffer.byteLength(`stderr of ${meta.containers[2]}\n`)],
      ['stdout', Buffer.byteLength('h\u00e9llo w\u00f6rld \u2713\n')],
    ]);
    expect(c3!.files[2]!.content.toString('utf8')).toBe('h\u00e9llo w\u00f6rld \u2713\n');
    for (const c of containers) for (const f of c.files) expect(f.content.length).toBe(f.length);
  });
});

describe('reading through a streamed remote source in small pieces', () => {
  it.each(['writer-gz', 'writer-none'])('%s: same containers and bytes as from memory', async (dir) => {
    const { RemoteFileSource } = await import('../../../src/logs/aggregated/remote-file-source.js');
    const meta = fixtureMeta<WriterMeta>(dir);
    const bytes = fixtureBytes(dir, meta.file);
    const fs = {
      list: async () => [],
      async *read(_path: string, offset: number, length: number) {
        for (let at = offset; at < Math.min(bytes.length, offset + length); at += 997) {
          yield bytes.subarray(at, Math.min(at + 997, offset + length, bytes.length));
        }
      },
    };
    const reader = await AggregatedLogReader.open(
      new RemoteFileSource(fs, meta.file, bytes.length),
      meta.file,
    );
    const seen: string[] = [];
    for await (const c of reader.containers()) {
      for await (const f of c.files()) {
        let n = 0;
        for (let p = await f.read(5000); p; p = await f.read(5000)) n += p.length;
        seen.push(`${c.containerId}/${f.fileName}:${n}`);
        expect(n).toBe(f.length);
      }
    }
    const fromMemory = (await readAll(dir)).flatMap((c) =>
      c.files.map((f) => `${c.containerId}/${f.name}:${f.content.length}`),
    );
    expect(seen).toEqual(fromMemory);
  });
});
