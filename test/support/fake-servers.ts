import { afterEach } from 'vitest';
import type { RetryEnv } from '../../src/hadoop/rest/retry.js';
import { FakeServer, type Handler } from './fake-http-server.js';

/**
 * Fake HTTP servers that close after each test of the file that imported
 * this module (each test file gets its own copy, so the hook is that file's).
 */
const started: FakeServer[] = [];

afterEach(async () => {
  await Promise.all(started.splice(0).map((s) => s.close()));
});

export async function server(handler: Handler): Promise<FakeServer> {
  const s = await FakeServer.start(handler);
  started.push(s);
  return s;
}

/** Retry sleeps recorded, never waited; jitter fixed at 0.5. */
export function manualClock(): RetryEnv & { sleeps: number[] } {
  const sleeps: number[] = [];
  return { sleeps, sleep: async (ms) => void sleeps.push(ms), random: () => 0.5 };
}
