/**
 * Where `tspark logs` writes: everything to stdout, or (-out <dir>) one file
 * per container at <dir>/<node>/<containerId> like LogsCLI, with `:` of a
 * NodeId turned into `_`. Writes wait for the stream to drain, so a slow
 * reader of stdout throttles the download instead of filling memory.
 */
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { Writable } from 'node:stream';

export interface LogWriter {
  write(chunk: Buffer | string): Promise<void>;
}

export interface OutputSink {
  /** The writer for one container's logs. */
  forContainer(node: string, containerId: string): Promise<LogWriter>;
  /** Lines that belong to no container (lists, notes). */
  readonly main: LogWriter;
  close(): Promise<void>;
}

export class StreamWriter implements LogWriter {
  private failure: Error | undefined;
  constructor(private readonly stream: Writable) {
    stream.on('error', (e: Error) => {
      this.failure = e;
    });
  }

  async write(chunk: Buffer | string): Promise<void> {
    if (this.failure) throw this.failure;
    if (chunk.length === 0) return;
    if (!this.stream.write(chunk)) {
      await Promise.race([
        once(this.stream, 'drain'),
        once(this.stream, 'error').then(([e]) => Promise.reject(e as Error)),
      ]);
    }
  }

  async end(): Promise<void> {
    if (this.failure) throw this.failure;
    await new Promise<void>((resolve, reject) => {
      this.stream.once('error', reject);
      this.stream.end(() => resolve());
    });
  }
}

export class StdoutSink implements OutputSink {
  readonly main: StreamWriter;
  constructor(stdout: Writable) {
    this.main = new StreamWriter(stdout);
  }
  async forContainer(): Promise<LogWriter> {
    return this.main;
  }
  async close(): Promise<void> {}
}

/** LogAggregationUtils.getNodeString: NodeId `host:port` as a file name. */
export function nodeString(node: string): string {
  return node.replace(/:/g, '_');
}

export class DirectorySink implements OutputSink {
  private readonly open = new Map<string, StreamWriter>();
  readonly main: StreamWriter;

  constructor(
    private readonly dir: string,
    stdout: Writable,
  ) {
    this.main = new StreamWriter(stdout);
  }

  async forContainer(node: string, containerId: string): Promise<LogWriter> {
    const file = path.join(this.dir, nodeString(node), containerId);
    let writer = this.open.get(file);
    if (!writer) {
      await mkdir(path.dirname(file), { recursive: true });
      writer = new StreamWriter(createWriteStream(file));
      this.open.set(file, writer);
    }
    return writer;
  }

  async close(): Promise<void> {
    for (const w of this.open.values()) await w.end();
    this.open.clear();
  }
}
