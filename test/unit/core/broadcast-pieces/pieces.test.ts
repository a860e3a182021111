import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  assemblePieces,
  BroadcastPieceStore,
  BroadcastPieceTracker,
  parsePieceBlockId,
  pickHolder,
  pieceBlockId,
  pieceChecksum,
  pieceProblem,
  shuffled,
  splitIntoPieces,
} from '../../../../src/core/broadcast-pieces/index.js';
import { seeded } from './helpers.js';

describe('splitting a broadcast into pieces', () => {
  it('cuts at blockSize, the last piece shorter, each with its CRC-32, as views of the bytes', () => {
    const bytes = randomBytes(10_000);
    const { manifest, pieces } = splitIntoPieces(3, bytes, 4096, true);
    expect(manifest.id).toBe(3);
    expect(manifest.totalBytes).toBe(10_000);
    expect(manifest.pieces.map((p) => p.length)).toEqual([4096, 4096, 1808]);
    expect(pieces.map((p) => p.length)).toEqual([4096, 4096, 1808]);
    pieces.forEach((p, i) => {
      expect(p.equals(bytes.subarray(i * 4096, i * 4096 + p.length))).toBe(true);
      expect(manifest.pieces[i]!.checksum).toBe(pieceChecksum(p));
      // a view, not a copy
      expect(p.buffer).toBe(bytes.buffer);
    });
    // CRC-32 of "123456789" is the standard check value
    expect(pieceChecksum(Buffer.from('123456789'))).toBe(0xcbf43926);
  });

  it('gives one piece for a value smaller than a piece, exact multiples no empty tail, and an empty value one empty piece', () => {
    expect(splitIntoPieces(0, Buffer.alloc(10), 4096, true).manifest.pieces.map((p) => p.length)).toEqual([10]);
    expect(splitIntoPieces(0, Buffer.alloc(8192), 4096, true).manifest.pieces.map((p) => p.length)).toEqual([
      4096, 4096,
    ]);
    const empty = splitIntoPieces(0, Buffer.alloc(0), 4096, true);
    expect(empty.manifest.pieces).toEqual([{ length: 0, checksum: 0 }]);
    expect(assemblePieces(empty.manifest, empty.pieces)).toHaveLength(0);
  });

  it('leaves checksums out when spark.broadcast.checksum is false, and refuses a piece size below 1', () => {
    const { manifest } = splitIntoPieces(1, randomBytes(100), 30, false);
    expect(manifest.pieces).toEqual([{ length: 30 }, { length: 30 }, { length: 30 }, { length: 10 }]);
    expect(() => splitIntoPieces(1, randomBytes(100), 0, true)).toThrow(/positive integer/);
  });

  it('names pieces broadcast_<id>_piece<n> and parses only such names', () => {
    expect(pieceBlockId(12, 0)).toBe('broadcast_12_piece0');
    expect(parsePieceBlockId('broadcast_12_piece7')).toEqual({ broadcastId: 12, piece: 7 });
    for (const bad of ['broadcast_12', 'broadcast_x_piece1', 'rdd_1_2', 'broadcast_1_piece1_', '../broadcast_1_piece1'])
      expect(parsePieceBlockId(bad)).toBeUndefined();
  });
});

describe('checking and assembling pieces', () => {
  const bytes = randomBytes(9000);
  const { manifest, pieces } = splitIntoPieces(5, bytes, 4000, true);

  it('accepts the right bytes and says what is wrong with others', () => {
    pieces.forEach((p, i) => expect(pieceProblem(manifest, i, p)).toBeUndefined());
    const corrupt = Buffer.from(pieces[1]!);
    corrupt[17] = corrupt[17]! ^ 0xff;
    expect(pieceProblem(manifest, 1, corrupt)).toMatch(/checksum is 0x[0-9a-f]{8} instead of 0x[0-9a-f]{8}.*corrupt/);
    expect(pieceProblem(manifest, 2, pieces[2]!.subarray(1))).toBe('it has 999 bytes instead of 1000');
    expect(pieceProblem(manifest, 3, pieces[0]!)).toMatch(/has no piece 3/);
    // without checksums only the length is checked
    const unchecked = splitIntoPieces(5, bytes, 4000, false).manifest;
    expect(pieceProblem(unchecked, 1, corrupt)).toBeUndefined();
  });

  it('assembles the pieces into the original bytes, and refuses a missing piece', () => {
    expect(assemblePieces(manifest, pieces.map((p) => Buffer.from(p))).equals(bytes)).toBe(true);
    expect(() => assemblePieces(manifest, pieces.slice(1))).toThrow(/has 3 pieces; 2 were given/);
    expect(() => assemblePieces(manifest, [pieces[0]!, pieces[1]!, pieces[1]!])).toThrow(/add up to/);
  });
});

describe('choosing holders', () => {
  it('shuffles uniformly enough and picks only holders not yet tried', () => {
    const random = seeded(42);
    const firsts = new Map<number, number>();
    for (let i = 0; i < 3000; i++) {
      const s = shuffled([0, 1, 2], random);
      expect([...s].sort()).toEqual([0, 1, 2]);
      firsts.set(s[0]!, (firsts.get(s[0]!) ?? 0) + 1);
    }
    for (const v of [0, 1, 2]) expect(firsts.get(v)).toBeGreaterThan(850);

    const picks = new Map<number, number>();
    for (let i = 0; i < 3000; i++) {
      const p = pickHolder([0, 3, 5, 7], new Set([3]), random)!;
      picks.set(p, (picks.get(p) ?? 0) + 1);
    }
    expect([...picks.keys()].sort()).toEqual([0, 5, 7]);
    for (const v of [0, 5, 7]) expect(picks.get(v)).toBeGreaterThan(850);
    expect(pickHolder([0, 3], new Set([0, 3]), random)).toBeUndefined();
    expect(pickHolder([], new Set(), random)).toBeUndefined();
    // a random source returning its upper bound still picks a candidate
    expect(pickHolder([4, 9], new Set(), () => 0.9999999999)).toBe(9);
  });
});

describe('BroadcastPieceStore', () => {
  it('serves held pieces by block id, reads ranges, and forgets a dropped broadcast', async () => {
    const store = new BroadcastPieceStore();
    store.put(1, 0, Buffer.from('abcdef'));
    store.put(1, 1, Buffer.from('gh'));
    store.put(2, 0, Buffer.from('xyz'));
    expect(store.piecesOf(1)).toEqual([0, 1]);
    const h = (await store.open('broadcast_1_piece0'))!;
    expect(h.length).toBe(6);
    expect((await h.read(2, 3)).toString()).toBe('cde');
    expect(await store.open('broadcast_1_piece2')).toBeUndefined();
    expect(await store.open('broadcast_3_piece0')).toBeUndefined();
    expect(await store.open('rdd_1_0')).toBeUndefined();
    expect(store.stats.bytes).toBe(11);
    expect(store.drop(1)).toBe(2);
    expect(await store.open('broadcast_1_piece0')).toBeUndefined();
    expect(store.stats).toMatchObject({ broadcasts: 1, bytes: 3 });
  });
});

describe('BroadcastPieceTracker', () => {
  const driver = { id: 'driver', host: 'drv', port: 7000 };
  const addresses: Record<string, { host: string; port: number }> = {
    '1': { host: 'h1', port: 1001 },
    '2': { host: 'h2', port: 1002 },
  };
  const addressOf = (id: string) => addresses[id];

  it('lists the driver for every piece, then the executors that reported each piece', () => {
    const t = new BroadcastPieceTracker();
    t.register(splitIntoPieces(4, Buffer.alloc(30), 10, true).manifest);
    expect(t.locations(4, driver, addressOf)).toEqual({ holders: [driver], pieceHolders: [[0], [0], [0]] });
    t.addHolder(4, '2', [1]);
    t.addHolder(4, '1', [0, 1, 9]); // piece 9 does not exist: ignored
    t.addHolder(4, '3', [2]); // executor 3 has no known block server: not listed
    const loc = t.locations(4, driver, addressOf)!;
    const named = loc.pieceHolders.map((hs) => hs.map((h) => loc.holders[h]!.id).sort());
    expect(named).toEqual([['1', 'driver'], ['1', '2', 'driver'], ['driver']]);
    expect(loc.holders.find((h) => h.id === '2')).toEqual({ id: '2', host: 'h2', port: 1002 });
    expect(t.holdersOf(4)).toEqual([['1'], ['1', '2'], ['3']]);

    t.removeExecutor('1');
    expect(t.holdersOf(4)).toEqual([[], ['2'], ['3']]);
    t.forgetExecutorCopies(4);
    expect(t.holdersOf(4)).toEqual([[], [], []]);
    expect(t.manifest(4)).toBeDefined();
    t.remove(4);
    expect(t.locations(4, driver, addressOf)).toBeUndefined();
    expect(t.addHolder(4, '1', [0])).toBe(0);
  });
});
