/**
 * What a block server serves besides shuffle ranges: blocks named by id
 * (`rdd_3_0`, `taskresult_17`, `broadcast_2_piece0`), each held by the
 * BlockSource registered for its prefix. A source opens a block once per
 * chunk request and reads the requested range from it; it decides where the
 * bytes live (memory, a file, another thread).
 */

export interface BlockHandle {
  /** Bytes of the whole block. */
  readonly length: number;
  /** Exactly `length` bytes from `offset` (the server never asks past the end). */
  read(offset: number, length: number): Promise<Buffer>;
}

export interface BlockSource {
  /** The block, or undefined when this source does not hold it. */
  open(blockId: string): Promise<BlockHandle | undefined>;
}

/** A handle on bytes already in memory. */
export function bufferHandle(bytes: Buffer): BlockHandle {
  return {
    length: bytes.length,
    read: (offset, length) => Promise.resolve(bytes.subarray(offset, offset + length)),
  };
}

/**
 * Blocks kept as buffers in this process (task results waiting for the
 * driver, broadcast pieces): put, remove, and serve.
 */
export class MemoryBlockSource implements BlockSource {
  private readonly blocks = new Map<string, Buffer>();
  private bytesHeld = 0;

  put(blockId: string, bytes: Buffer): void {
    this.remove(blockId);
    this.blocks.set(blockId, bytes);
    this.bytesHeld += bytes.length;
  }

  get(blockId: string): Buffer | undefined {
    return this.blocks.get(blockId);
  }

  /** Returns whether the block was held. */
  remove(blockId: string): boolean {
    const old = this.blocks.get(blockId);
    if (!old) return false;
    this.blocks.delete(blockId);
    this.bytesHeld -= old.length;
    return true;
  }

  /** Blocks and bytes held now, for metrics and tests. */
  get size(): { blocks: number; bytes: number } {
    return { blocks: this.blocks.size, bytes: this.bytesHeld };
  }

  open(blockId: string): Promise<BlockHandle | undefined> {
    const bytes = this.blocks.get(blockId);
    return Promise.resolve(bytes ? bufferHandle(bytes) : undefined);
  }
}
