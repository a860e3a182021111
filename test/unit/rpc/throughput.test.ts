import { createHash } from 'node:crypto';
import os from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RpcConnection } from '../../../src/rpc/rpc-connection.js';
import type { RpcServer } from '../../../src/rpc/rpc-server.js';
import { connect, startServer } from './loopback.js';

/**
 * Throughput over loopback, both ends in this process (so each figure pays
 * for sender and receiver on the same event loop). Figures are printed, and
 * recorded in docs/internals/rpc.md; the assertions only check that every
 * message arrived intact, since timings on a shared machine are not a test.
 */

const MiB = 1024 * 1024;
let server: RpcServer;
let client: RpcConnection;
const figures: string[] = [];

beforeAll(async () => {
  server = await startServer();
  client = await connect(server);
});

afterAll(async () => {
  client.close();
  await server.close();
  console.log(
    `rpc throughput (load average ${os.loadavg()[0]!.toFixed(1)}, ${os.cpus().length} cpus):\n  ${figures.join('\n  ')}`,
  );
});

function rate(count: number, ms: number): string {
  return `${Math.round((count / ms) * 1000).toLocaleString('en-US')}/s`;
}

describe('throughput', () => {
  it('small one-way messages', async () => {
    const count = 50_000;
    let sum = 0;
    let got = 0;
    const done = new Promise<void>((resolve) =>
      server.handle('tick', (m) => {
        sum += Number(m.i);
        if (++got === count) resolve();
      }),
    );
    const started = performance.now();
    for (let i = 0; i < count; i++) {
      if (!client.send({ type: 'tick', i, executorId: '1' })) await client.drained();
    }
    await done;
    const ms = performance.now() - started;
    let expected = 0;
    for (let i = 0; i < count; i++) expected += i;
    expect(sum).toBe(expected);
    figures.push(`one-way small messages: ${count} in ${ms.toFixed(0)} ms = ${rate(count, ms)}`);
  });

  it('small requests, 100 in flight', async () => {
    server.handle('echo', (m) => ({ type: 'echoed', n: m.n }));
    const count = 20_000;
    const window = 100;
    let next = 0;
    let checked = 0;
    const started = performance.now();
    await Promise.all(
      Array.from({ length: window }, async () => {
        while (next < count) {
          const n = next++;
          const r = await client.request({ type: 'echo', n });
          if (r.message.n === n) checked++;
        }
      }),
    );
    const ms = performance.now() - started;
    expect(checked).toBe(count);
    figures.push(
      `request/response, ${window} in flight: ${count} in ${ms.toFixed(0)} ms = ${rate(count, ms)}`,
    );
  });

  it('1 MiB binary bodies, and the same bytes inside the v8 message', async () => {
    const body = Buffer.alloc(MiB);
    for (let i = 0; i < body.length; i += 4) body.writeUInt32LE((i * 2654435761) >>> 0, i);
    const digest = createHash('sha256').update(body).digest('hex');
    const count = 200;
    const spots = [0, 1, 4095, 65536, 500_000, MiB - 1];
    for (const path of ['body', 'inline'] as const) {
      let ok = 0;
      const done = new Promise<void>((resolve) =>
        server.handle(`block-${path}`, (m, ctx) => {
          const bytes = path === 'body' ? ctx.body : (m.bytes as Uint8Array);
          // a full digest of every 20th block, spot checks of the others (a digest per block would dominate)
          const i = Number(m.i);
          const intact =
            i % 20 === 0
              ? createHash('sha256').update(bytes).digest('hex') === digest
              : bytes.length === MiB && spots.every((o) => bytes[o] === body[o]);
          if (intact) ok++;
          if (Number(m.i) === count - 1) resolve();
        }),
      );
      const started = performance.now();
      for (let i = 0; i < count; i++) {
        const sent =
          path === 'body'
            ? client.send({ type: `block-${path}`, i }, body)
            : client.send({ type: `block-${path}`, i, bytes: body });
        if (!sent) await client.drained();
      }
      await done;
      const ms = performance.now() - started;
      expect(ok).toBe(count);
      figures.push(
        `1 MiB ${path === 'body' ? 'raw bodies' : 'Buffers inside the v8 message'}: ${count} MiB in ${ms.toFixed(0)} ms = ` +
          `${((count / ms) * 1000).toFixed(0)} MiB/s (one-way, sha256 of every 20th block)`,
      );
    }
  });
});
