/**
 * Records move between the engine's parts in batches (see
 * docs/internals/engine-contracts.md): a partition is an `AsyncIterable<T[]>`, and the
 * per-record cost stays a plain synchronous function call inside a loop over a batch.
 */

/** Records per batch that producers aim for. Large enough to amortize one await and one
 * serialization call; small enough that a batch of small records stays well under 1 MB. */
export const BATCH_SIZE = 4096;

/** Groups a synchronous sequence into batches of at most `size` records (never empty). */
export function* batchesOf<T>(items: Iterable<T>, size: number = BATCH_SIZE): Generator<T[]> {
  let batch: T[] = [];
  for (const item of items) {
    batch.push(item);
    if (batch.length >= size) {
      yield batch;
      batch = [];
    }
  }
  if (batch.length > 0) yield batch;
}

/** Wraps arrays as a batched async stream (for tests and in-memory sources). */
export async function* fromArray<T>(items: readonly T[], size: number = BATCH_SIZE): AsyncGenerator<T[]> {
  for (let i = 0; i < items.length; i += size) yield items.slice(i, i + size);
}

/** Drains a batched stream into one array. */
export async function collectBatches<T>(batches: AsyncIterable<T[]>): Promise<T[]> {
  const out: T[] = [];
  for await (const batch of batches) for (const item of batch) out.push(item);
  return out;
}
