// Throughput of text input (not a test): `npx vitest bench --run test/unit/core/io/read-throughput.bench.ts`.
// Generates a ~200 MB text file under the OS temp dir, reads it through computeTextSplits +
// readTextSplit (the textFile path), and reports MB/s; also a raw-stream baseline.
import { rmSync, statSync, writeFileSync } from 'node:fs';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, bench, describe } from 'vitest';
import { LocalFileSystem } from '../../../../src/core/io/local-file-system.js';
import { computeTextSplits, readTextSplit } from '../../../../src/core/io/text-input.js';

const TARGET_BYTES = 200 * 1000 * 1000;
const dir = mkdtempSync(join(tmpdir(), 'tspark-io-bench-'));

function makeFile(name: string, words: string[]): { path: string; size: number } {
  const lines: string[] = [];
  let x = 1;
  for (let i = 0; i < 50_000; i++) {
    let l = '';
    for (let j = 0; j < 5 + (i % 20); j++) {
      x = (x * 1103515245 + 12345) % 2147483648;
      l += words[x % words.length] + ' ';
    }
    lines.push(l);
  }
  const block = lines.join('\n') + '\n';
  const path = join(dir, name);
  writeFileSync(path, block.repeat(Math.ceil(TARGET_BYTES / Buffer.byteLength(block))));
  return { path, size: statSync(path).size };
}

const ascii = makeFile('ascii.txt', ['alpha', 'beta', 'gamma', 'delta', 'epsilon', 'zeta', 'eta', 'theta']);
const unicode = makeFile('unicode.txt', [
  'alpha',
  'beta',
  'ünïcode',
  'delta',
  '日本語',
  'zeta',
  'eta',
  'theta',
]);
const fs = new LocalFileSystem();
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function readLines(path: string): Promise<number> {
  let lines = 0;
  for (const split of await computeTextSplits(fs, path, 1)) {
    for await (const batch of readTextSplit(fs, split)) lines += batch.length;
  }
  return lines;
}

interface Start {
  wall: number;
  cpu: NodeJS.CpuUsage;
}
function begin(): Start {
  return { wall: performance.now(), cpu: process.cpuUsage() };
}
/** Wall-clock MB/s, and MB per CPU-second (less sensitive to other load on the machine). */
function report(name: string, size: number, started: Start): void {
  const seconds = (performance.now() - started.wall) / 1000;
  const cpu = process.cpuUsage(started.cpu);
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  const mb = size / 1e6;
  console.log(
    `${name}: ${mb.toFixed(0)} MB in ${seconds.toFixed(2)} s = ${(mb / seconds).toFixed(0)} MB/s wall, ` +
      `${(mb / cpuSeconds).toFixed(0)} MB per CPU-second`,
  );
}

const options = { iterations: 3, warmupIterations: 1, time: 0, warmupTime: 0 };

describe('text input throughput', () => {
  bench(
    'textFile lines, ASCII',
    async () => {
      const t = begin();
      await readLines(ascii.path);
      report('textFile lines, ASCII', ascii.size, t);
    },
    options,
  );
  bench(
    'textFile lines, multi-byte UTF-8',
    async () => {
      const t = begin();
      await readLines(unicode.path);
      report('textFile lines, multi-byte UTF-8', unicode.size, t);
    },
    options,
  );
  bench(
    'raw stream (baseline)',
    async () => {
      const t = begin();
      let n = 0;
      for await (const c of await fs.open(ascii.path)) n += (c as Buffer).length;
      report('raw stream (baseline)', n, t);
    },
    options,
  );
});
