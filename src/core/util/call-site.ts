import { basename } from 'node:path';

/**
 * Where in the user's code an action was called, as Spark's "collect at
 * WordCount.scala:12": the first stack frame outside tspark and Node's
 * internals. With source maps enabled (application bundles have them) the
 * frame points into the original .ts file.
 */
const ENGINE_FRAME = /[\\/](src|dist[\\/]src)[\\/](core|app|deploy)[\\/]|node:|node_modules[\\/]|\(native\)/;

export function userCallSite(stack: string | undefined = new Error().stack): string | undefined {
  if (!stack) return undefined;
  for (const line of stack.split('\n').slice(1)) {
    const m = /\(?((?:file:\/\/)?[^\s()]+):(\d+):\d+\)?\s*$/.exec(line.trim());
    if (!m || ENGINE_FRAME.test(line)) continue;
    return `${basename(m[1]!)}:${m[2]}`;
  }
  return undefined;
}
