import { createHash } from 'node:crypto';
import v8 from 'node:v8';
import vm from 'node:vm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RpcReply } from '../../../src/rpc/rpc-connection.js';
import type { RpcConnection } from '../../../src/rpc/rpc-connection.js';
import type { RpcServer } from '../../../src/rpc/rpc-server.js';
import { connect, startServer } from './loopback.js';

v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as () => void;

const MiB = 1024 * 1024;
const BODY = 64 * MiB;

let server: RpcServer;
let client: RpcConnection;

beforeAll(async () => {
  server = await startServer({ maxFrameBytes: 128 * MiB });
  // the handler digests what it got and keeps nothing
  server.handle('put', (_m, ctx) => ({
    type: 'stored',
    sha256: createHash('sha256').update(ctx.body).digest('hex'),
  }));
  server.handle('putInline', (m) => ({
    type: 'stored',
    sha256: createHash('sha256')
      .update(m.bytes as Uint8Array)
      .digest('hex'),
  }));
  server.handle('get', (m) => new RpcReply({ type: 'block' }, Buffer.alloc(Number(m.size), 0x5c)));
  client = await connect(server, { maxFrameBytes: 128 * MiB });
});

afterAll(async () => {
  client.close();
  await server.close();
});

/** Runs `work`, sampling the bytes held in ArrayBuffers/Buffers; returns the peak above the starting level. */
async function peakGrowth(work: () => Promise<void>): Promise<{ peak: number; after: number }> {
  gc();
  const base = process.memoryUsage().arrayBuffers;
  let peak = 0;
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().arrayBuffers - base)), 2);
  try {
    await work();
  } finally {
    clearInterval(sampler);
  }
  peak = Math.max(peak, process.memoryUsage().arrayBuffers - base);
  // let write requests and socket buffers finish their callbacks before the final collection
  // (ArrayBuffers are freed by a concurrent sweeper: collect twice with a pause between)
  for (let i = 0; i < 2; i++) {
    await new Promise((resolve) => setTimeout(resolve, 20));
    gc();
  }
  return { peak, after: process.memoryUsage().arrayBuffers - base };
}

describe('large binary bodies', () => {
  it('moves a 64 MiB body intact in each direction with memory bounded by about one extra copy', async () => {
    const body = Buffer.alloc(BODY);
    for (let i = 0; i < body.length; i += 4096) body.writeUInt32LE((i ^ 0x9e3779b9) >>> 0, i);
    const expected = createHash('sha256').update(body).digest('hex');

    const up = await peakGrowth(async () => {
      for (let round = 0; round < 3; round++) {
        const response = await client.request({ type: 'put' }, { body });
        expect(response.message.sha256).toBe(expected);
      }
    });
    // computed before measuring, so the check allocates nothing inside the window
    const downloadDigest = createHash('sha256').update(Buffer.alloc(BODY, 0x5c)).digest('hex');
    const down = await peakGrowth(async () => {
      const response = await client.request({ type: 'get', size: BODY });
      expect(response.body.length).toBe(BODY);
      expect(createHash('sha256').update(response.body).digest('hex')).toBe(downloadDigest);
    });
    const inline = await peakGrowth(async () => {
      const response = await client.request({ type: 'putInline', bytes: body });
      expect(response.message.sha256).toBe(expected);
    });
    console.log(
      `64 MiB transfer, peak ArrayBuffer growth (both ends in this process): body upload x3 ${(up.peak / MiB).toFixed(0)} MiB, ` +
        `body download ${(down.peak / MiB).toFixed(0)} MiB, inline in the v8 message ${(inline.peak / MiB).toFixed(0)} MiB`,
    );
    // one receive buffer (64 MiB) plus socket chunks not yet collected; never a copy per round
    expect(up.peak).toBeLessThan(3 * BODY);
    // the downloaded body was made by the handler (64 MiB) and assembled once on our side (64 MiB),
    // plus socket chunks not yet collected
    expect(down.peak).toBeLessThan(3 * BODY);
    // nothing is retained once the responses are dropped
    expect(up.after).toBeLessThan(16 * MiB);
    expect(down.after).toBeLessThan(16 * MiB);
  });
});
