import { fileURLToPath } from 'node:url';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { SparkContext } from '../../../src/core/context.js';
import { leaks, secretForms } from '../../support/secret-scan.js';
import { ensureDistIsFresh } from './build-dist.js';
import { localClusterContext, waitFor, type LocalClusterContext } from '../../support/local-cluster-context.js';

/**
 * Broadcasts in pieces on `local-cluster[3,1,1024]`: a 4 MiB value cut into
 * 256 KiB pieces, served by the driver's block server and then by the
 * executors that fetched it. Which holder gave which piece is read from each
 * executor's log line "Executor N fetched broadcast B (… pieces: d from the
 * driver, e from executors, …, k bad copies refetched)"; corruption is the
 * driver's own copy of pieces overwritten in place (through the backend's
 * broadcastPieces handle).
 */

const ROOT = fileURLToPath(new URL('../../..', import.meta.url));
const MASTER = 'local-cluster[3,1,1024]';
const SECRET = 'broadcast-pieces-test-secret-0123456789';

beforeAll(() => ensureDistIsFresh(ROOT), 300_000);

const contexts: SparkContext[] = [];
afterEach(async () => {
  for (const sc of contexts.splice(0)) await sc.stop();
});

function cluster(conf: Record<string, string> = {}): LocalClusterContext {
  return localClusterContext(contexts, {
    master: MASTER,
    appName: 'broadcast-pieces-test',
    conf: { 'spark.broadcast.blockSize': '256k', 'spark.authenticate.secret': SECRET, ...conf },
  });
}

interface FetchLine {
  executor: string;
  broadcast: number;
  pieces: number;
  fromDriver: number;
  fromExecutors: number;
  bad: number;
}

function fetchLines(messages: string[]): FetchLine[] {
  const re =
    /Executor (\S+) fetched broadcast (\d+) \(\d+ bytes, (\d+) pieces: (\d+) from the driver, (\d+) from executors, \d+ already here, (\d+) bad copies refetched\)/;
  return messages.flatMap((m) => {
    const g = re.exec(m);
    return g
      ? [
          {
            executor: g[1]!,
            broadcast: Number(g[2]),
            pieces: Number(g[3]),
            fromDriver: Number(g[4]),
            fromExecutors: Number(g[5]),
            bad: Number(g[6]),
          },
        ]
      : [];
  });
}

/** 4 MiB of doubles: 16 pieces of 256 KiB (plus the serializer's few header bytes: a 17th). */
const N = 512 * 1024;
const table = Float64Array.from({ length: N }, (_, i) => i * 1.5);
function expectedSum(indices: number[]): number {
  return indices.reduce((s, i) => s + table[i]!, 0);
}

describe(`${MASTER}: broadcast pieces`, () => {
  it('reaches every executor in pieces, executors fetch from each other, and a corrupt copy is fetched again elsewhere', async () => {
    const { sc, backend, messages, rawLines } = cluster();
    const b = sc.broadcast(table);
    const lookup = (x: number, env: { b: typeof b }) => env.b.value[(x * 7919) % env.b.value.length]!;
    const indices = (xs: number[]) => xs.map((x) => (x * 7919) % N);

    // job 1: one task, so one executor fetches every piece, all from the driver (the only holder)
    const one = await sc.parallelize([1, 2, 3], 1).map(lookup, { b }).collect();
    expect(one).toEqual(indices([1, 2, 3]).map((i) => table[i]));
    let lines = fetchLines(messages());
    expect(lines).toHaveLength(1);
    const first = lines[0]!;
    expect(first.pieces).toBeGreaterThanOrEqual(16);
    expect(first).toMatchObject({ broadcast: b.id, fromDriver: first.pieces, fromExecutors: 0, bad: 0 });
    const pieces = first.pieces;
    const pieceHolders = () => backend().broadcastPieces.holders(b.id);
    await waitFor('the driver to record the first executor as holder of every piece', () =>
      pieceHolders().every((h) => h.includes(first.executor)),
    );

    // the driver's own copy of every piece goes bad: from now on only executors can give good pieces
    for (let p = 0; p < pieces; p++) {
      const copy = backend().broadcastPieces.driverPiece(b.id, p)!;
      copy[copy.length - 1] = copy[copy.length - 1]! ^ 0xff;
    }

    // job 2: tasks on all three executors; the other two must fetch every piece from executors
    const xs = Array.from({ length: 60 }, (_, i) => i);
    const sums = await sc
      .parallelize(xs, 12)
      .map(lookup, { b })
      .collect();
    expect(sums.reduce((s, v) => s + v, 0)).toBe(expectedSum(indices(xs)));
    lines = fetchLines(messages());
    const later = lines.slice(1);
    expect(later.map((l) => l.executor).sort()).toEqual(
      backend()
        .executorInfo()
        .map((e) => e.id)
        .filter((id) => id !== first.executor)
        .sort(),
    );
    for (const l of later) {
      expect(l).toMatchObject({ broadcast: b.id, pieces, fromDriver: 0, fromExecutors: pieces });
    }
    // a piece asked of the driver came back corrupt and was fetched from an executor instead
    // (each of 2 × 17 piece fetches asks the driver first with probability >= 1/3)
    expect(later.reduce((s, l) => s + l.bad, 0)).toBeGreaterThan(0);
    expect(messages().some((m) => /piece \d+ from the driver at \S+ failed: its checksum is .*corrupt/.test(m))).toBe(
      true,
    );
    await waitFor('every executor to be recorded as a holder of every piece', () =>
      pieceHolders().every((h) => h.length === 3),
    );

    // no log line of the driver or the executors carries the secret
    expect(leaks(rawLines().join('\n'), secretForms(Buffer.from(SECRET)))).toEqual([]);
  });

  it('fails the job with a clear error when no holder has a good copy of a piece', async () => {
    const { sc, startedBackend } = cluster({ 'spark.task.maxFailures': '2' });
    const b = sc.broadcast(table);
    // the driver registers a broadcast once the backend has started, not within sc.broadcast()
    const driverCopy = () => startedBackend()?.broadcastPieces.driverPiece(b.id, 3);
    await waitFor('the driver to register the broadcast', () => driverCopy() !== undefined);
    // before any executor has it, the driver's only copy of piece 3 goes bad
    const copy = driverCopy()!;
    copy[0] = copy[0]! ^ 0x55;
    const job = sc
      .parallelize([1, 2], 2)
      .map((x: number, env: { b: typeof b }) => env.b.value[x]!, { b })
      .collect();
    await expect(job).rejects.toThrow(
      /Could not fetch piece 3 of broadcast \d+ from any of its 1 holder\(s\): the driver at \S+: its checksum is/,
    );
  });

  it('unpersist drops executor copies (fetched again from the driver), destroy drops the driver copy; a lost executor stops being a holder', async () => {
    const { sc, backend, messages } = cluster();
    const b = sc.broadcast(table);
    const job = () =>
      sc
        .parallelize([0, 1, 2, 3, 4, 5], 6)
        .map((x: number, env: { b: typeof b }) => env.b.value[x * 1000]!, { b })
        .collect();
    const expected = [0, 1, 2, 3, 4, 5].map((x) => table[x * 1000]);
    expect(await job()).toEqual(expected);
    const pieceHolders = () => backend().broadcastPieces.holders(b.id);
    await waitFor('executors to hold pieces', () => pieceHolders().every((h) => h.length > 0));

    b.unpersist();
    expect(pieceHolders().every((h) => h.length === 0)).toBe(true);
    const before = fetchLines(messages()).length;
    expect(await job()).toEqual(expected);
    // fetched again, and only the driver held it
    const again = fetchLines(messages()).slice(before);
    expect(again.length).toBeGreaterThan(0);
    expect(again[0]!.fromExecutors + again[0]!.fromDriver).toBe(again[0]!.pieces);
    await waitFor('executors to hold pieces again', () => pieceHolders().every((h) => h.length > 0));

    // an executor killed: it holds nothing any more
    const victim = backend()
      .executorInfo()
      .find((e) => pieceHolders().some((h) => h.includes(e.id)))!;
    process.kill(victim.pid, 'SIGKILL');
    await waitFor('the executor to be lost', () => backend().lostExecutors().has(victim.id));
    expect(pieceHolders().some((h) => h.includes(victim.id))).toBe(false);

    b.destroy();
    expect(backend().broadcastPieces.driverPiece(b.id, 0)).toBeUndefined();
    expect(pieceHolders()).toEqual([]);
  });
});
