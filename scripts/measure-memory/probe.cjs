// Preloaded into every thread of every Node process of a measured run
// (NODE_OPTIONS=--require=<this file>; Node runs --require preloads in worker threads too).
// Every TSPARK_MEMORY_PROBE_MS (default 100) it appends one JSON line per thread to
// <TSPARK_MEMORY_PROBE_DIR>/<pid>-<threadId>.jsonl: the process RSS and this thread's
// isolate (heapUsed/heapTotal, external, arrayBuffers, its heap limit). measure.mjs reads
// these files to break an executor's peak RSS down into heaps, Buffers and the rest.
'use strict';
// A CommonJS file because --require is the preload Node also runs in worker threads.
/* global require, process, setInterval */
/* eslint-disable @typescript-eslint/no-require-imports */
const { appendFileSync } = require('node:fs');
const { join } = require('node:path');
const v8 = require('node:v8');
const { threadId, isMainThread } = require('node:worker_threads');

const dir = process.env.TSPARK_MEMORY_PROBE_DIR;
if (dir) {
  const file = join(dir, `${process.pid}-${threadId}.jsonl`);
  const every = Number(process.env.TSPARK_MEMORY_PROBE_MS ?? '100');
  const limit = v8.getHeapStatistics().heap_size_limit;
  const sample = () => {
    const m = process.memoryUsage();
    const line = {
      t: Date.now(),
      pid: process.pid,
      thread: threadId,
      main: isMainThread,
      argv: isMainThread ? process.argv.slice(1, 3).join(' ') : undefined,
      rss: m.rss,
      heapUsed: m.heapUsed,
      heapTotal: m.heapTotal,
      external: m.external,
      arrayBuffers: m.arrayBuffers,
      heapLimit: limit,
    };
    try {
      appendFileSync(file, JSON.stringify(line) + '\n');
    } catch {
      // the directory went away: the measurement is over
    }
  };
  sample();
  setInterval(sample, every).unref();
}
