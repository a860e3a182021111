import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { BATCH_SIZE } from '../batch.js';
import type { NarrowOp, Partition } from '../rdd/spec.js';
import { SeededRandom, partitionSeed } from '../util/random.js';
import type { ExecutorState } from './executor-state.js';

/** Passes one record on; a record step calls it zero or more times per input record. */
type Emit = (record: unknown) => void;
/** A per-record transformation, given the step after it. */
type RecordStep = (emit: Emit) => Emit;

/**
 * Applies a stage's chain of per-partition transformations on the executor.
 *
 * Consecutive per-record operations (map, filter, flatMap, ...) are fused: each input
 * record goes through the whole run of them as nested function calls, and only the run's
 * output is gathered into batches. Operator by operator, every operation would build a
 * batch of its own (a WordCount's flatMap an array of ~40,000 words per 4,096 lines, its
 * map another ~40,000 pairs) that lives until the next operation has read it, which costs
 * allocation and, when a collection comes in between, a copy by the garbage collector.
 * Operations that take a whole partition (mapPartitions, glom, pipe) end a run.
 */
export async function applyNarrowOps(
  ops: readonly NarrowOp[],
  input: AsyncIterable<unknown[]>,
  partition: Partition,
  state: ExecutorState,
): Promise<AsyncIterable<unknown[]>> {
  let stream = input;
  let i = 0;
  while (i < ops.length) {
    const steps: RecordStep[] = [];
    for (let step; i < ops.length && (step = await recordStep(ops[i]!, partition, state)); i++) steps.push(step);
    if (steps.length > 0) stream = fused(stream, steps);
    if (i < ops.length) stream = await partitionOp(ops[i++]!, stream, partition, state);
  }
  return stream;
}

/** The op as a record step, or undefined when it needs the whole partition. */
async function recordStep(op: NarrowOp, partition: Partition, state: ExecutorState): Promise<RecordStep | undefined> {
  switch (op.op) {
    case 'map': {
      const { fn, env } = await state.fn(op.fn);
      return (emit) => (x) => emit(fn(x, env));
    }
    case 'filter': {
      const { fn, env } = await state.fn(op.fn);
      return (emit) => (x) => {
        if (fn(x, env)) emit(x);
      };
    }
    case 'flatMap': {
      const { fn, env } = await state.fn(op.fn);
      return (emit) => (x) => {
        const r = fn(x, env) as Iterable<unknown>;
        if (Array.isArray(r)) for (let j = 0; j < r.length; j++) emit(r[j]);
        else for (const y of r) emit(y);
      };
    }
    case 'mapValues': {
      const { fn, env } = await state.fn(op.fn);
      return (emit) => (x) => {
        const kv = x as [unknown, unknown];
        emit([kv[0], fn(kv[1], env)]);
      };
    }
    case 'flatMapValues': {
      const { fn, env } = await state.fn(op.fn);
      return (emit) => (x) => {
        const kv = x as [unknown, unknown];
        for (const v of fn(kv[1], env) as Iterable<unknown>) emit([kv[0], v]);
      };
    }
    case 'keyBy': {
      const { fn, env } = await state.fn(op.fn);
      return (emit) => (x) => emit([fn(x, env), x]);
    }
    case 'keys':
      return (emit) => (x) => emit((x as [unknown, unknown])[0]);
    case 'values':
      return (emit) => (x) => emit((x as [unknown, unknown])[1]);
    case 'sample': {
      const rng = new SeededRandom(partitionSeed(op.seed, partition.index));
      const { withReplacement, fraction } = op;
      return (emit) => (x) => {
        if (withReplacement) {
          for (let k = rng.poisson(fraction); k > 0; k--) emit(x);
        } else if (rng.next() < fraction) emit(x);
      };
    }
    case 'zipWithIndex': {
      let next = op.startIndices[partition.index] ?? 0;
      return (emit) => (x) => emit([x, next++]);
    }
    case 'repartitionKeys': {
      // Spark's repartition: round-robin from a random start per partition.
      const n = op.numPartitions;
      let position = new SeededRandom(partitionSeed(op.seed, partition.index)).nextInt(n);
      return (emit) => (x) => emit([position++ % n, x]);
    }
    case 'glom':
    case 'mapPartitions':
    case 'mapPartitionsWithIndex':
    case 'pipe':
      return undefined;
  }
}

/** Ops that see the partition as a whole. */
async function partitionOp(
  op: NarrowOp,
  input: AsyncIterable<unknown[]>,
  partition: Partition,
  state: ExecutorState,
): Promise<AsyncIterable<unknown[]>> {
  switch (op.op) {
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
    case 'pipe':
      return pipe(input, op.command, op.env);
    default:
      throw new Error(`narrow op '${op.op}' is a record step, not a partition op`);
  }
}

/**
 * Runs each record of `input` through the steps and gathers what comes out into batches
 * of about BATCH_SIZE, so an exploding flatMap hands its consumer cache-sized pieces. A
 * batch is cut between input records: it can exceed BATCH_SIZE by one record's output.
 */
async function* fused(input: AsyncIterable<unknown[]>, steps: readonly RecordStep[]): AsyncGenerator<unknown[]> {
  let out: unknown[] = [];
  let head: Emit = (x) => {
    out.push(x);
  };
  for (let k = steps.length - 1; k >= 0; k--) head = steps[k]!(head);
  for await (const batch of input) {
    for (let i = 0; i < batch.length; i++) {
      head(batch[i]);
      if (out.length >= BATCH_SIZE) {
        const full = out;
        out = [];
        yield full;
      }
    }
    if (out.length > 0) {
      const full = out;
      out = [];
      yield full;
    }
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
