import { afterEach, describe, expect, it, vi } from 'vitest';
import { PendingRequests } from '../../../src/rpc/pending-requests.js';

afterEach(() => {
  vi.useRealTimers();
});

function request(log: string[], name: string) {
  return {
    type: name,
    resolve: (r: string) => log.push(`${name} resolved ${r}`),
    reject: (e: Error) => log.push(`${name} rejected ${e.message}`),
  };
}

describe('PendingRequests', () => {
  it('hands out ids from 1, and take() removes a request exactly once', () => {
    const log: string[] = [];
    const p = new PendingRequests<string>();
    const a = p.add(request(log, 'a'), 0, () => new Error('t'));
    const b = p.add(request(log, 'b'), 0, () => new Error('t'));
    expect([a, b]).toEqual([1, 2]);
    p.take(b)!.resolve('ok');
    expect(p.take(b)).toBeUndefined();
    expect(p.size).toBe(1);
    expect(log).toEqual(['b resolved ok']);
  });

  it('rejects on timeout and forgets the request, so a late response finds nothing', () => {
    vi.useFakeTimers();
    const log: string[] = [];
    const p = new PendingRequests<string>();
    const id = p.add(request(log, 'slow'), 100, () => new Error('timed out'));
    vi.advanceTimersByTime(99);
    expect(log).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(log).toEqual(['slow rejected timed out']);
    expect(p.take(id)).toBeUndefined();
    expect(p.size).toBe(0);
  });

  it('failAll rejects everything once and cancels the timers', () => {
    vi.useFakeTimers();
    const log: string[] = [];
    const p = new PendingRequests<string>();
    p.add(request(log, 'a'), 50, () => new Error('timed out'));
    p.add(request(log, 'b'), 0, () => new Error('timed out'));
    p.failAll(new Error('closed'));
    vi.advanceTimersByTime(1000);
    expect(log).toEqual(['a rejected closed', 'b rejected closed']);
    expect(p.size).toBe(0);
  });

  it('wraps after 2^32 - 1, skipping 0 and ids still pending', () => {
    const p = new PendingRequests<string>();
    const internals = p as unknown as { nextId: number };
    const first = p.add(request([], 'held'), 0, () => new Error('t')); // id 1 stays pending
    internals.nextId = 0xffff_ffff;
    expect(p.add(request([], 'last'), 0, () => new Error('t'))).toBe(0xffff_ffff);
    expect(first).toBe(1);
    expect(p.add(request([], 'wrapped'), 0, () => new Error('t'))).toBe(2);
  });
});
