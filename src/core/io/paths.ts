/**
 * Path strings as Hadoop writes them: an optional `scheme:` and `//authority`, then a
 * slash-separated path (`hdfs://nn:8020/data/x`, `file:/tmp/x`, `file:///tmp/x`, or a
 * bare `/tmp/x` / `data/x`). Pure string functions; no file system is consulted.
 */

export interface ParsedPath {
  /** Lower-case scheme, or undefined for a bare path. */
  scheme: string | undefined;
  /** `host:port` after `//`, '' for `file:///x`, undefined when there is no `//`. */
  authority: string | undefined;
  /** The path part, slashes kept as written. */
  path: string;
}

// A scheme is at least two characters so that a Windows drive letter is never one.
const URI_RE = /^([a-zA-Z][a-zA-Z0-9+.-]+):(\/\/[^/]*)?(.*)$/s;

export function parsePath(p: string): ParsedPath {
  const m = URI_RE.exec(p);
  if (!m) return { scheme: undefined, authority: undefined, path: p };
  return {
    scheme: m[1]!.toLowerCase(),
    authority: m[2] === undefined ? undefined : m[2].slice(2),
    path: m[3]!,
  };
}

/** The `scheme://authority` (or `scheme:`) prefix of a path, '' for a bare path. */
export function pathPrefix(p: string): string {
  const { scheme, authority } = parsePath(p);
  if (scheme === undefined) return '';
  return authority === undefined ? `${scheme}:` : `${scheme}://${authority}`;
}

/** `parent/child`, without doubling a slash. */
export function joinPath(parent: string, child: string): string {
  if (parent === '') return child;
  return parent.endsWith('/') ? parent + child : `${parent}/${child}`;
}

/** The last component of a path ('' for a root). */
export function baseName(p: string): string {
  const { path } = parsePath(p);
  const trimmed = path.replace(/\/+$/, '');
  return trimmed.slice(trimmed.lastIndexOf('/') + 1);
}

/** The parent of a path with its prefix kept; undefined for a root or a single relative name. */
export function parentPath(p: string): string | undefined {
  const prefix = pathPrefix(p);
  const path = parsePath(p).path.replace(/\/+$/, '');
  const i = path.lastIndexOf('/');
  if (i < 0) return undefined;
  if (i === 0) return path.length > 1 ? `${prefix}/` : undefined;
  return prefix + path.slice(0, i);
}

/** Hadoop's FileInputFormat hides files whose name starts with `_` or `.` (_SUCCESS, .crc). */
export function isHiddenName(name: string): boolean {
  return name.startsWith('_') || name.startsWith('.');
}
