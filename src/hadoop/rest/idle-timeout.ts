import { Readable } from 'node:stream';

/**
 * Wraps a response stream so that a stalled server fails the read instead of
 * hanging it forever. The clock only runs while the consumer is asking for
 * data and none arrives: a slow consumer (backpressure) never times out.
 * (axios' own timeout stops at the response headers.)
 */
export function withReadIdleTimeout(source: Readable, idleMs: number, makeError: () => Error): Readable {
  if (idleMs <= 0) return source;
  let timer: NodeJS.Timeout | undefined;
  const disarm = (): void => {
    if (timer) clearTimeout(timer);
    timer = undefined;
  };
  const out = new Readable({
    read() {
      if (!timer) {
        timer = setTimeout(() => {
          timer = undefined;
          const err = makeError();
          source.destroy(err);
          out.destroy(err);
        }, idleMs);
      }
      source.resume();
    },
    destroy(err, callback) {
      disarm();
      source.destroy();
      callback(err);
    },
  });
  source.on('data', (chunk: Buffer) => {
    disarm();
    if (!out.push(chunk)) source.pause();
  });
  source.once('end', () => {
    disarm();
    out.push(null);
  });
  source.once('error', (err) => {
    disarm();
    out.destroy(err);
  });
  source.pause();
  return out;
}
