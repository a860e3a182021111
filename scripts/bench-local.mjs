#!/usr/bin/env node
// Local-mode benchmark (not a test): WordCount throughput for local[1] and local[2]
// over a generated text file, and tasks per second for 10,000 empty tasks.
//
//   npm run bench:local                     # 1 GiB input, as docs/benchmarks.md reports
//   BENCH_SIZE_MB=200 npm run bench:local   # smaller input for a quick look
//   BENCH_DIR=/some/dir                     # keep (and reuse) the generated input there
//
// Runs against the built package (dist/), like a user's job.
import { createWriteStream, existsSync, statSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import { Buffer } from 'node:buffer';
import { performance } from 'node:perf_hooks';
import process from 'node:process';
import { SparkContext } from '../dist/src/index.js';

const sizeMb = Number(process.env.BENCH_SIZE_MB ?? 1024);
const keepDir = process.env.BENCH_DIR;

/** Text with a Zipf-like vocabulary of 50,000 words, ~80-character lines, from a fixed seed. */
async function generate(path, bytes) {
  const vocab = Array.from({ length: 50_000 }, (_, i) => `w${i.toString(36)}${'abcdefgh'.slice(0, i % 8)}`);
  let s = 12345;
  const next = () => (s = (Math.imul(s, 1103515245) + 12345) >>> 0);
  const out = createWriteStream(path);
  let written = 0;
  while (written < bytes) {
    let chunk = '';
    while (chunk.length < 1 << 20) {
      let line = '';
      while (line.length < 80) {
        const r = next() / 2 ** 32;
        line += vocab[Math.floor(vocab.length * r * r * r)] + ' ';
      }
      chunk += line.trimEnd() + '\n';
    }
    written += Buffer.byteLength(chunk);
    if (!out.write(chunk)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
}

async function wordCount(master, input) {
  const sc = new SparkContext({ master, appName: `bench-wordcount-${master}`, progress: false });
  try {
    await sc.parallelize([1], 1).count(); // start the executors before timing
    const t0 = performance.now();
    const distinct = await sc
      .textFile(input)
      .flatMap((line) => line.split(' '))
      .map((w) => [w, 1])
      .reduceByKey((a, b) => a + b)
      .count();
    return { seconds: (performance.now() - t0) / 1000, distinct };
  } finally {
    await sc.stop();
  }
}

async function emptyTasks(master, n) {
  const sc = new SparkContext({ master, appName: `bench-tasks-${master}`, progress: false });
  try {
    await sc.parallelize([], 100).count(); // warm up
    const t0 = performance.now();
    await sc.parallelize([], n).count();
    return n / ((performance.now() - t0) / 1000);
  } finally {
    await sc.stop();
  }
}

const dir = keepDir ?? (await mkdtemp(join(tmpdir(), 'tspark-bench-')));
await mkdir(dir, { recursive: true });
const input = join(dir, `words-${sizeMb}m.txt`);
try {
  if (!existsSync(input) || statSync(input).size < sizeMb * 1024 * 1024) {
    process.stdout.write(`generating ${sizeMb} MiB of text in ${input} ...\n`);
    await generate(input, sizeMb * 1024 * 1024);
  }
  const mb = statSync(input).size / (1024 * 1024);
  const results = {};
  for (const master of ['local[1]', 'local[2]']) {
    const r = await wordCount(master, input);
    results[`wordcount ${master} MB/s`] = Number((mb / r.seconds).toFixed(1));
    process.stdout.write(`WordCount ${master}: ${mb.toFixed(0)} MiB in ${r.seconds.toFixed(2)} s = ${(mb / r.seconds).toFixed(1)} MB/s (${r.distinct} distinct words)\n`);
  }
  for (const master of ['local[1]', 'local[2]']) {
    const rate = await emptyTasks(master, 10_000);
    results[`empty tasks ${master} tasks/s`] = Math.round(rate);
    process.stdout.write(`10,000 empty tasks ${master}: ${Math.round(rate)} tasks/s\n`);
  }
  process.stdout.write(JSON.stringify({ node: process.version, inputMiB: Math.round(mb), ...results }) + '\n');
} finally {
  if (!keepDir) await rm(dir, { recursive: true, force: true });
}
