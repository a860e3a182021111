import { compareKeys, keyEquals, keyToken } from '../keys.js';
import type { ResultOp } from '../rdd/spec.js';
import { SeededRandom, partitionSeed } from '../util/random.js';
import { FileOutputCommitter } from '../io/output-committer.js';
import { frameBatch } from '../serde.js';
import { writeBuffers, writeTextPartition } from '../io/text-output.js';
import { records } from './narrow-ops.js';
import type { TaskRun } from './task-run.js';

/** Runs an action's per-partition part on the executor; the result goes back to the driver. */
export async function runResultOp(op: ResultOp, input: AsyncIterable<unknown[]>, run: TaskRun): Promise<unknown> {
  const state = run.state;
  switch (op.op) {
    case 'none':
      for await (const _ of input) {
        // drain: the action only needs the side effects
      }
      return null;
    case 'collect': {
      const out: unknown[] = [];
      for await (const b of input) for (let i = 0; i < b.length; i++) out.push(b[i]);
      return out;
    }
    case 'count': {
      let n = 0;
      for await (const b of input) n += b.length;
      return n;
    }
    case 'countByValue':
    case 'countByKey': {
      const counts = new Map<unknown, [unknown, number]>();
      const byKey = op.op === 'countByKey';
      for await (const b of input) {
        for (const x of b) {
          const k = byKey ? (x as [unknown, unknown])[0] : x;
          const t = keyToken(k);
          const c = counts.get(t);
          if (c) c[1]++;
          else counts.set(t, [k, 1]);
        }
      }
      return [...counts.values()];
    }
    case 'take': {
      const out: unknown[] = [];
      if (op.n <= 0) return out;
      for await (const b of input) {
        for (const x of b) {
          out.push(x);
          if (out.length >= op.n) return out;
        }
      }
      return out;
    }
    case 'reduce': {
      const { fn, env } = await state.fn(op.fn);
      let has = false;
      let acc: unknown;
      for await (const b of input) {
        for (let i = 0; i < b.length; i++) {
          if (has) acc = fn(acc, b[i], env);
          else {
            acc = b[i];
            has = true;
          }
        }
      }
      return has ? { value: acc } : null;
    }
    case 'fold': {
      const { fn, env } = await state.fn(op.fn);
      let acc = op.zero;
      for await (const b of input) for (let i = 0; i < b.length; i++) acc = fn(acc, b[i], env);
      return acc;
    }
    case 'aggregate': {
      const { fn, env } = await state.fn(op.seq);
      let acc = op.zero;
      for await (const b of input) for (let i = 0; i < b.length; i++) acc = fn(acc, b[i], env);
      return acc;
    }
    case 'foreach': {
      const { fn, env } = await state.fn(op.fn);
      for await (const b of input) for (let i = 0; i < b.length; i++) fn(b[i], env);
      return null;
    }
    case 'foreachPartition': {
      const { fn, env } = await state.fn(op.fn);
      await fn(records(input), env);
      return null;
    }
    case 'takeOrdered': {
      let cmp: (a: unknown, b: unknown) => number = compareKeys;
      if (op.cmp) {
        const { fn, env } = await state.fn(op.cmp);
        cmp = (a, b) => fn(a, b, env) as number;
      }
      const order = op.descending ? (a: unknown, b: unknown) => cmp(b, a) : cmp;
      // keep at most 2n candidates, trimming to the n best when full
      let buf: unknown[] = [];
      for await (const b of input) {
        for (const x of b) {
          buf.push(x);
          if (buf.length >= 2 * op.n + 1024) buf = buf.sort(order).slice(0, op.n);
        }
      }
      return buf.sort(order).slice(0, op.n);
    }
    case 'sampleKeys': {
      // reservoir sample of keys, as Spark's RangePartitioner.sketch
      const rng = new SeededRandom(partitionSeed(op.seed, run.task.partition.index));
      const sample: unknown[] = [];
      let seen = 0;
      for await (const b of input) {
        for (const kv of b) {
          const k = (kv as [unknown, unknown])[0];
          if (sample.length < op.perPartition) sample.push(k);
          else {
            const j = Math.floor(rng.next() * (seen + 1));
            if (j < op.perPartition) sample[j] = k;
          }
          seen++;
        }
      }
      return { count: seen, keys: sample };
    }
    case 'lookup': {
      const out: unknown[] = [];
      for await (const b of input) for (const kv of b as [unknown, unknown][]) if (keyEquals(kv[0], op.key)) out.push(kv[1]);
      return out;
    }
    case 'saveText':
    case 'saveObject':
      return saveThroughCommitter(op, input, run);
  }
}

async function saveThroughCommitter(op: { op: 'saveText' | 'saveObject'; outputDir: string; jobId: string }, input: AsyncIterable<unknown[]>, run: TaskRun): Promise<null> {
  const fs = run.state.fileSystem(op.outputDir);
  const committer = new FileOutputCommitter(fs, op.outputDir, op.jobId);
  const { index } = run.task.partition;
  const attempt = run.task.attempt;
  const path = committer.taskAttemptPath(index, attempt);
  try {
    const written =
      op.op === 'saveText'
        ? await writeTextPartition(fs, path, asLines(input))
        : await writeBuffers(fs, path, input, (b) => frameBatch(b));
    await committer.commitTask(index, attempt);
    // counted once committed: an aborted attempt wrote nothing that stays
    run.io.outputRecords += written.recordsWritten;
    run.io.outputBytes += written.bytesWritten;
  } catch (e) {
    await committer.abortTask(index, attempt).catch(() => undefined);
    throw e;
  }
  return null;
}

async function* asLines(input: AsyncIterable<unknown[]>): AsyncGenerator<string[]> {
  for await (const b of input) yield b.map((x) => String(x));
}
