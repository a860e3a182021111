/** Passes a byte stream through, adding each chunk's length to a counter (task I/O metrics). */
export async function* countBytes(source: AsyncIterable<Buffer>, add: (n: number) => void): AsyncGenerator<Buffer> {
  for await (const chunk of source) {
    add(chunk.length);
    yield chunk;
  }
}
