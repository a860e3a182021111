import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { BATCH_SIZE } from '../batch.js';
import type { NarrowOp, Partition } from '../rdd/spec.js';
import { SeededRandom, partitionSeed } from '../util/random.js';
import type { ExecutorState } from './executor-state.js';

/**
 * Per-partition transformations on the executor. Each loops over a batch
 * synchronously and yields a new batch: one function call per record, one
 * await per batch.
 */
export async function applyNarrowOp(
  op: NarrowOp,
  input: AsyncIterable<unknown[]>,
  partition: Partition,
  state: ExecutorState,
): Promise<AsyncIterable<unknown[]>> {
  switch (op.op) {
    case 'map': {
      const { fn, env } = await state.fn(op.fn);
      return mapBatches(input, (b) => {
        const out = new Array<unknown>(b.length);
        for (let i = 0; i < b.length; i++) out[i] = fn(b[i], env);
        return out;
      });
    }
    case 'filter': {
      const { fn, env } = await state.fn(op.fn);
      return mapBatches(input, (b) => {
        const out: unknown[] = [];
        for (let i = 0; i < b.length; i++) if (fn(b[i], env)) out.push(b[i]);
        return out;
      });
    }
    case 'flatMap': {
      const { fn, env } = await state.fn(op.fn);
      return mapBatches(input, (b) => {
        const out: unknown[] = [];
        for (let i = 0; i < b.length; i++) {
          const r = fn(b[i], env) as Iterable<unknown>;
          if (Array.isArray(r)) for (let j = 0; j < r.length; j++) out.push(r[j]);
          else for (const x of r) out.push(x);
        }
        return out;
      });
    }
    case 'mapValues': {
      const { fn, env } = await state.fn(op.fn);
      return mapBatches(input, (b) => {
        const out = new Array<unknown>(b.length);
        for (let i = 0; i < b.length; i++) {
          const kv = b[i] as [unknown, unknown];
          out[i] = [kv[0], fn(kv[1], env)];
        }
        return out;
      });
    }
    case 'flatMapValues': {
      const { fn, env } = await state.fn(op.fn);
      return mapBatches(input, (b) => {
        const out: unknown[] = [];
        for (let i = 0; i < b.length; i++) {
          const kv = b[i] as [unknown, unknown];
          for (const v of fn(kv[1], env) as Iterable<unknown>) out.push([kv[0], v]);
        }
        return out;
      });
    }
    case 'keyBy': {
      const { fn, env } = await state.fn(op.fn);
      return mapBatches(input, (b) => {
        const out = new Array<unknown>(b.length);
        for (let i = 0; i < b.length; i++) out[i] = [fn(b[i], env), b[i]];
        return out;
      });
    }
    case 'keys':
      return mapBatches(input, (b) => b.map((kv) => (kv as [unknown, unknown])[0]));
    case 'values':
      return mapBatches(input, (b) => b.map((kv) => (kv as [unknown, unknown])[1]));
    case 'glom':
      return glom(input);
    case 'mapPartitions': {
      const { fn, env } = await state.fn(op.fn);
      return rebatch(fn(records(input), env));
    }
    case 'mapPartitionsWithIndex': {
      const { fn, env } = await state.fn(op.fn);
      return rebatch(fn(partition.index, records(input), env));
    }
    case 'sample':
      return sample(input, op, partition.index);
    case 'zipWithIndex': {
      let next = op.startIndices[partition.index] ?? 0;
      return mapBatches(input, (b) => b.map((x) => [x, next++]));
    }
    case 'repartitionKeys': {
      // Spark's repartition: round-robin from a random start per partition.
      let position = new SeededRandom(partitionSeed(op.seed, partition.index)).nextInt(op.numPartitions);
      return mapBatches(input, (b) => b.map((x) => [position++ % op.numPartitions, x]));
    }
    case 'pipe':
      return pipe(input, op.command, op.env);
  }
}

async function* mapBatches(input: AsyncIterable<unknown[]>, f: (b: unknown[]) => unknown[]): AsyncGenerator<unknown[]> {
  for await (const batch of input) {
    const out = f(batch);
    if (out.length > 0) yield out;
  }
}

async function* glom(input: AsyncIterable<unknown[]>): AsyncGenerator<unknown[]> {
  const all: unknown[] = [];
  for await (const b of input) for (const x of b) all.push(x);
  yield [all];
}

/** Records one at a time, for user functions that take a whole partition. */
export async function* records(input: AsyncIterable<unknown[]>): AsyncGenerator<unknown> {
  for await (const b of input) yield* b;
}

/** Batches whatever a partition function returned: an array, an iterable or an async iterable. */
export async function* rebatch(result: unknown): AsyncGenerator<unknown[]> {
  const value = await result;
  if (value === undefined || value === null) return;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i += BATCH_SIZE) yield value.slice(i, i + BATCH_SIZE);
    return;
  }
  let batch: unknown[] = [];
  if (Symbol.asyncIterator in (value as object)) {
    for await (const x of value as AsyncIterable<unknown>) {
      batch.push(x);
      if (batch.length >= BATCH_SIZE) {
        yield batch;
        batch = [];
      }
    }
  } else if (Symbol.iterator in (value as object)) {
    for (const x of value as Iterable<unknown>) {
      batch.push(x);
      if (batch.length >= BATCH_SIZE) {
        yield batch;
        batch = [];
      }
    }
  } else {
    throw new TypeError('a partition function must return an array, an iterable or an async iterable');
  }
  if (batch.length > 0) yield batch;
}

async function* sample(
  input: AsyncIterable<unknown[]>,
  op: { withReplacement: boolean; fraction: number; seed: number },
  index: number,
): AsyncGenerator<unknown[]> {
  const rng = new SeededRandom(partitionSeed(op.seed, index));
  for await (const b of input) {
    const out: unknown[] = [];
    for (const x of b) {
      if (op.withReplacement) {
        for (let k = rng.poisson(op.fraction); k > 0; k--) out.push(x);
      } else if (rng.next() < op.fraction) out.push(x);
    }
    if (out.length > 0) yield out;
  }
}

/** Each record's String form as a line to the command's stdin; its stdout lines are the output. */
async function* pipe(input: AsyncIterable<unknown[]>, command: string[], env: Record<string, string>): AsyncGenerator<unknown[]> {
  const [cmd, ...args] = command;
  if (!cmd) throw new Error('pipe: empty command');
  const child = spawn(cmd, args, { env: { ...process.env, ...env }, stdio: ['pipe', 'pipe', 'inherit'] });
  const exited = new Promise<number | null>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => resolve(code));
  });
  const feed = (async () => {
    try {
      for await (const b of input) {
        const text = b.map((x) => String(x) + '\n').join('');
        if (!child.stdin.write(text)) await new Promise<void>((r) => child.stdin.once('drain', () => r()));
      }
    } finally {
      child.stdin.end();
    }
  })();
  feed.catch(() => child.kill());
  const lines = createInterface({ input: child.stdout, crlfDelay: Infinity });
  let batch: string[] = [];
  for await (const line of lines) {
    batch.push(line);
    if (batch.length >= BATCH_SIZE) {
      yield batch;
      batch = [];
    }
  }
  if (batch.length > 0) yield batch;
  await feed;
  const code = await exited;
  if (code !== 0) throw new Error(`pipe: command '${command.join(' ')}' exited with code ${code}`);
}
