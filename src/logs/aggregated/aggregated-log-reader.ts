/**
 * YARN's aggregated-log conventions on top of TFile (`AggregatedLogFormat`,
 * one file per NodeManager and application):
 *
 *   key (writeUTF)        value
 *   "VERSION"             int32 BE (1)
 *   "APPLICATION_ACL"     (writeUTF access type, writeUTF ACL)*  until the value ends
 *   "APPLICATION_OWNER"   writeUTF user
 *   "<container id>"      per log file, sorted by name, until the value ends:
 *                           writeUTF file name | writeUTF decimal length | <length> raw bytes
 *
 * The reserved keys come first. A file's bytes are streamed in bounded
 * pieces; a container value ending inside a file (the NodeManager could not
 * read it all) yields what is there, as `yarn logs` does.
 */
import { LogFileFormatError } from '../errors.js';
import type { RandomAccessSource } from '../tfile/random-access.js';
import { TFileReader } from '../tfile/tfile-reader.js';
import type { ChunkedValueReader } from '../tfile/chunked-value.js';
import { decodeModifiedUtf8, ModifiedUtf8Error } from './java-utf.js';

export const RESERVED_KEYS = ['VERSION', 'APPLICATION_ACL', 'APPLICATION_OWNER'] as const;

export interface AggregatedLogMeta {
  version?: number;
  owner?: string;
  /** Access type (VIEW_APP, MODIFY_APP) to ACL string. */
  acls: Map<string, string>;
}

/** One log file of a container, readable once, in order. */
export interface AggregatedLogFile {
  readonly fileName: string;
  /** The length the NodeManager recorded. */
  readonly length: number;
  /** Bytes not yet read or skipped. */
  readonly remaining: number;
  /** Up to `max` bytes of content, or null when the file (or the value) ends. */
  read(max: number): Promise<Buffer | null>;
  /** Skips up to `n` bytes of content; returns how many. */
  skip(n: number): Promise<number>;
}

export interface AggregatedContainer {
  readonly containerId: string;
  /** The container's log files in stored order; each is skipped if not read before the next is asked for. */
  files(): AsyncGenerator<AggregatedLogFile>;
}

export class AggregatedLogReader {
  private constructor(
    private readonly tfile: TFileReader,
    readonly path: string,
  ) {}

  static async open(source: RandomAccessSource, path: string): Promise<AggregatedLogReader> {
    return new AggregatedLogReader(await TFileReader.open(source, path), path);
  }

  /** Reads the reserved records at the head of the file. */
  async readMeta(): Promise<AggregatedLogMeta> {
    const meta: AggregatedLogMeta = { acls: new Map() };
    for await (const record of this.tfile.records()) {
      const key = this.decodeKey(record.key);
      if (!isReserved(key)) break;
      await this.readReserved(key, record.value, meta);
    }
    return meta;
  }

  /** Every container record, in file order (reserved records are skipped). */
  async *containers(): AsyncGenerator<AggregatedContainer> {
    for await (const record of this.tfile.records()) {
      const key = this.decodeKey(record.key);
      if (isReserved(key)) continue;
      let open = true;
      const value = record.value;
      const path = this.path;
      yield {
        containerId: key,
        files: () => {
          if (!open) throw new Error(`the records of ${key} were already passed`);
          open = false;
          return containerFiles(value, key, path);
        },
      };
      open = false;
    }
  }

  async close(): Promise<void> {
    await this.tfile.close();
  }

  private decodeKey(raw: Buffer): string {
    if (raw.length < 2 || raw.readUInt16BE(0) !== raw.length - 2) {
      throw new LogFileFormatError(
        `${this.path}: a record key is not a Java UTF string; is this a YARN aggregated log?`,
      );
    }
    return decodeUtf(raw.subarray(2), this.path);
  }

  private async readReserved(key: string, value: ChunkedValueReader, meta: AggregatedLogMeta): Promise<void> {
    if (key === 'VERSION') {
      const v = await value.readExact(4);
      if (v) meta.version = v.readInt32BE(0);
    } else if (key === 'APPLICATION_OWNER') {
      meta.owner = (await readUtf(value, this.path)) ?? undefined;
    } else {
      for (;;) {
        const accessType = await readUtf(value, this.path);
        if (accessType === null) break;
        const acl = await readUtf(value, this.path);
        if (acl === null)
          throw new LogFileFormatError(`${this.path}: APPLICATION_ACL ends after access type ${accessType}`);
        meta.acls.set(accessType, acl);
      }
    }
  }
}

function isReserved(key: string): boolean {
  return (RESERVED_KEYS as readonly string[]).includes(key);
}

function decodeUtf(bytes: Uint8Array, path: string): string {
  try {
    return decodeModifiedUtf8(bytes);
  } catch (e) {
    if (e instanceof ModifiedUtf8Error) throw new LogFileFormatError(`${path}: ${e.message}`);
    throw e;
  }
}

/** A writeUTF string from a value, or null if the value has ended. */
async function readUtf(value: ChunkedValueReader, path: string): Promise<string | null> {
  const len = await value.readExact(2);
  if (len === null) return null;
  const bytes = await value.readExact(len.readUInt16BE(0));
  if (bytes === null) throw new LogFileFormatError(`${path}: a string is cut off by the end of its record`);
  return decodeUtf(bytes, path);
}

async function* containerFiles(
  value: ChunkedValueReader,
  containerId: string,
  path: string,
): AsyncGenerator<AggregatedLogFile> {
  for (;;) {
    const fileName = await readUtf(value, path);
    if (fileName === null) return;
    const lengthText = await readUtf(value, path);
    if (lengthText === null || !/^\d+$/.test(lengthText)) {
      throw new LogFileFormatError(
        `${path}: log file ${fileName} of ${containerId} has no valid length (${lengthText ?? 'missing'})`,
      );
    }
    const file = new FileSection(fileName, Number(lengthText), value);
    yield file;
    await file.skip(file.remaining);
    if (file.endedEarly) return;
  }
}

class FileSection implements AggregatedLogFile {
  private left: number;
  endedEarly = false;

  constructor(
    readonly fileName: string,
    readonly length: number,
    private readonly value: ChunkedValueReader,
  ) {
    this.left = length;
  }

  get remaining(): number {
    return this.left;
  }

  async read(max: number): Promise<Buffer | null> {
    if (this.left === 0 || this.endedEarly) return null;
    const part = await this.value.readUpTo(Math.min(max, this.left));
    if (part === null) {
      this.endedEarly = true;
      return null;
    }
    this.left -= part.length;
    return part;
  }

  async skip(n: number): Promise<number> {
    const want = Math.min(n, this.left);
    const done = await this.value.skip(want);
    this.left -= done;
    if (done < want) this.endedEarly = true;
    return done;
  }
}
