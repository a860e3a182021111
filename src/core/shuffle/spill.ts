/**
 * Spill runs: sorted (or, without ordering, arrival-order) partitioned record files
 * that a buffer writes when memory runs out, and the merging of runs back together.
 *
 * Each run is a RunFile (see run-file.ts): for each partition a framed stream of
 * `[key, value]` batches. Runs of one buffer are merged per partition either by plain
 * concatenation of their bytes (no ordering needed: no decode, no re-encode) or by a
 * k-way merge on keys that also folds equal keys when aggregating.
 */
import { randomUUID } from 'node:crypto';
import { open, rm, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { decodeFramedStream } from '../serde.js';
import { arrayRun, mergeSortedRuns, type Fold, type KeyComparator, type Rec } from './merge.js';
import { chunkBytesFor, readRange, RunWriter, type RunFile } from './run-file.js';

/** Runs read at once by one merge; more are first merged in groups of this size. */
export const MAX_OPEN_RUNS = 64;
/** Heap a merge needs per open run: its decoded frame (about FRAME_TARGET_BYTES). */
export const MERGE_BYTES_PER_RUN = 1024 * 1024;

/**
 * How many runs a task with `budgetBytes` of shuffle memory merges at once: as many as
 * their decoded frames fit in its budget, between 2 and MAX_OPEN_RUNS. Small executors
 * merge in more passes instead of running out of heap.
 */
export function mergeFanIn(budgetBytes: number): number {
  return Math.max(2, Math.min(MAX_OPEN_RUNS, Math.floor(budgetBytes / MERGE_BYTES_PER_RUN)));
}

export type MergeMode = { kind: 'concat' } | { kind: 'merge'; cmp: KeyComparator; fold?: Fold };

export interface SpilledRun extends RunFile {
  /** Records in the run (after folding). */
  records: number;
}

/** The spill runs of one buffer, and every file they own until `deleteAll`. */
export class SpillFiles {
  runs: SpilledRun[] = [];
  spillCount = 0;
  spillBytes = 0;
  private readonly paths = new Set<string>();
  private serial = 0;

  constructor(
    private readonly dir: string,
    private readonly prefix: string,
  ) {}

  /** A fresh path under dir, remembered for deletion before the file exists. */
  newPath(kind: string): string {
    const path = join(this.dir, `${this.prefix}_${kind}_${this.serial++}_${randomUUID().slice(0, 8)}`);
    this.paths.add(path);
    return path;
  }

  /** Writes drained partitions (sorted or not, as the caller needs) as one run. */
  async spill(partitions: Rec[][]): Promise<void> {
    const path = this.newPath('spill');
    const w = await RunWriter.create(path);
    let records = 0;
    const offsets = [0];
    try {
      for (const recs of partitions) {
        await w.writeRecords(recs);
        records += recs.length;
        offsets.push(w.position);
      }
      await w.close();
    } catch (e) {
      await w.abort();
      throw e;
    }
    this.runs.push({ path, offsets, records });
    this.spillCount++;
    this.spillBytes += w.position;
  }

  /** Writes already framed partitions as one run (`records` of them in all). */
  async spillFrames(partitions: Buffer[][], records: number): Promise<void> {
    const path = this.newPath('spill');
    const w = await RunWriter.create(path);
    const offsets = [0];
    try {
      for (const frames of partitions) {
        for (const f of frames) await w.write(f);
        offsets.push(w.position);
      }
      await w.close();
    } catch (e) {
      await w.abort();
      throw e;
    }
    this.runs.push({ path, offsets, records });
    this.spillCount++;
    this.spillBytes += w.position;
  }

  /** Merges the oldest runs in groups until at most MAX_OPEN_RUNS remain. */
  async compact(mode: MergeMode, maxOpen: number = MAX_OPEN_RUNS): Promise<void> {
    while (this.runs.length > maxOpen) {
      const group = this.runs.splice(0, maxOpen);
      const path = this.newPath('merged');
      const w = await RunWriter.create(path);
      let merged: { offsets: number[]; records: number };
      try {
        merged = await writeMerged(group, {}, w, mode, group[0]!.offsets.length - 1);
        await w.close();
      } catch (e) {
        await w.abort();
        throw e;
      }
      this.runs.unshift({ path, ...merged }); // still the oldest data: keeps merges stable
      await Promise.all(group.map((r) => this.delete(r.path)));
    }
  }

  async delete(path: string): Promise<void> {
    await rm(path, { force: true });
    this.paths.delete(path);
  }

  /** Deletes every file this set created. Safe to call more than once. */
  async deleteAll(): Promise<void> {
    const paths = [...this.paths];
    this.paths.clear();
    this.runs = [];
    await Promise.all(paths.map((p) => rm(p, { force: true })));
  }
}

/** Open file handles of runs, for reading their segments. */
export class OpenRuns {
  private constructor(
    readonly runs: readonly RunFile[],
    private readonly handles: FileHandle[],
  ) {}

  static async open(runs: readonly RunFile[]): Promise<OpenRuns> {
    const handles: FileHandle[] = [];
    try {
      for (const r of runs) handles.push(await open(r.path, 'r'));
    } catch (e) {
      await Promise.all(handles.map((h) => h.close().catch(() => undefined)));
      throw e;
    }
    return new OpenRuns(runs, handles);
  }

  /** Decoded batches of partition `p` of each run, oldest run first. */
  sources(p: number): AsyncIterable<unknown[]>[] {
    const chunk = chunkBytesFor(this.runs.length);
    return this.runs.map((r, i) =>
      decodeFramedStream(readRange(this.handles[i]!, r.offsets[p]!, r.offsets[p + 1]!, chunk)),
    );
  }

  /** Raw framed bytes of partition `p` of run `i`. */
  bytes(i: number, p: number): AsyncIterable<Buffer> {
    const r = this.runs[i]!;
    return readRange(this.handles[i]!, r.offsets[p]!, r.offsets[p + 1]!, chunkBytesFor(1));
  }

  async close(): Promise<void> {
    await Promise.all(this.handles.map((h) => h.close().catch(() => undefined)));
  }
}

/** What is still in memory when runs are merged: records (merge) or frames (concat). */
export interface InMemoryData {
  /** Per partition, in the order the merge needs. */
  records?: Rec[][];
  /** Per partition, framed; `frameRecords` records in all. */
  frames?: Buffer[][];
  frameRecords?: number;
}

/**
 * Writes, partition by partition, the runs' segments and then the in-memory data of that
 * partition to `out`. Returns the segment offsets (relative to where `out` stood) and
 * the number of records written.
 */
export async function writeMerged(
  runs: readonly SpilledRun[],
  memory: InMemoryData,
  out: RunWriter,
  mode: MergeMode,
  numPartitions: number,
): Promise<{ offsets: number[]; records: number }> {
  const base = out.position;
  const offsets = [0];
  let records = 0;
  const open = await OpenRuns.open(runs);
  try {
    for (let p = 0; p < numPartitions; p++) {
      const inMemory = memory.records?.[p] ?? [];
      if (mode.kind === 'concat') {
        for (let i = 0; i < runs.length; i++) {
          for await (const chunk of open.bytes(i, p)) await out.write(chunk);
        }
        for (const f of memory.frames?.[p] ?? []) await out.write(f);
        await out.writeRecords(inMemory);
      } else if (runs.length === 0) {
        await out.writeRecords(inMemory);
        records += inMemory.length;
      } else {
        const sources = open.sources(p);
        if (inMemory.length > 0) sources.push(arrayRun(inMemory));
        for await (const batch of mergeSortedRuns(sources, mode.cmp, mode.fold)) {
          records += batch.length;
          await out.writeRecords(batch);
        }
      }
      offsets.push(out.position - base);
    }
  } finally {
    await open.close();
  }
  if (mode.kind === 'concat') {
    for (const r of runs) records += r.records;
    records += memory.frameRecords ?? 0;
    for (const m of memory.records ?? []) records += m.length;
  }
  return { offsets, records };
}
