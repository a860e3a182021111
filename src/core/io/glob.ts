import { FileNotFoundError, InvalidInputError } from './errors.js';
import type { FileStatus, FileSystem } from './file-system.js';
import { baseName, isHiddenName, joinPath, parsePath, pathPrefix } from './paths.js';

/**
 * Input paths as Hadoop's FileInputFormat reads them: a comma-separated list of paths
 * or globs; a directory stands for the non-hidden files directly inside it.
 *
 * Glob syntax (Hadoop's GlobPattern): `*` any characters within one path component,
 * `?` one character, `[abc]` / `[a-z]` / `[^a]` / `[!a]` character classes, `{a,b}`
 * alternatives (which may contain slashes and nest), `\` escapes the next character.
 */

/** Splits `a,b,{c,d}` on the commas outside braces: ['a', 'b', '{c,d}']. */
export function splitInputPaths(spec: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < spec.length; i++) {
    const c = spec[i];
    if (c === '\\') i++;
    else if (c === '{') depth++;
    else if (c === '}' && depth > 0) depth--;
    else if (c === ',' && depth === 0) {
      out.push(spec.slice(start, i));
      start = i + 1;
    }
  }
  out.push(spec.slice(start));
  return out.map((s) => s.trim()).filter((s) => s !== '');
}

/** Expands every `{a,b}` (nested too) into separate patterns, in order. */
export function expandBraces(pattern: string): string[] {
  let open = -1;
  for (let i = 0; i < pattern.length; i++) {
    if (pattern[i] === '\\') i++;
    else if (pattern[i] === '{') {
      open = i;
      break;
    }
  }
  if (open < 0) return [pattern];
  const alternatives: string[] = [];
  let depth = 0;
  let altStart = open + 1;
  let close = -1;
  for (let i = open + 1; i < pattern.length && close < 0; i++) {
    const c = pattern[i];
    if (c === '\\') i++;
    else if (c === '{') depth++;
    else if (c === '}') {
      if (depth === 0) {
        alternatives.push(pattern.slice(altStart, i));
        close = i;
      } else depth--;
    } else if (c === ',' && depth === 0) {
      alternatives.push(pattern.slice(altStart, i));
      altStart = i + 1;
    }
  }
  if (close < 0) throw invalidGlob(pattern, "unclosed '{'");
  const before = pattern.slice(0, open);
  const after = pattern.slice(close + 1);
  return alternatives.flatMap((alt) => expandBraces(before + alt + after));
}

/** True if a path component (braces already expanded) needs matching rather than a lookup. */
export function isGlobComponent(component: string): boolean {
  return /[*?[\\]/.test(component);
}

/** A regular expression matching whole names for one path component. */
export function componentRegExp(component: string): RegExp {
  let re = '';
  for (let i = 0; i < component.length; i++) {
    const c = component[i]!;
    if (c === '\\') {
      if (i + 1 >= component.length) throw invalidGlob(component, 'trailing backslash');
      re += escapeRegExp(component[++i]!);
    } else if (c === '*') re += '.*';
    else if (c === '?') re += '.';
    else if (c === '[') {
      let j = i + 1;
      let negate = false;
      if (component[j] === '!' || component[j] === '^') {
        negate = true;
        j++;
      }
      let body = '';
      for (; j < component.length && component[j] !== ']'; j++) {
        const d = component[j]!;
        if (d === '\\' && j + 1 < component.length) body += '\\' + component[++j]!;
        else if (d === '-') body += '-';
        else body += /[\\\]^[]/.test(d) ? '\\' + d : d;
      }
      if (j >= component.length) throw invalidGlob(component, "unclosed '['");
      if (body === '') throw invalidGlob(component, "empty '[]'");
      re += `[${negate ? '^' : ''}${body}]`;
      i = j;
    } else re += escapeRegExp(c);
  }
  return new RegExp(`^${re}$`, 's');
}

/**
 * Everything matching one path or glob (files and directories), sorted by path and
 * without hidden-file filtering. A missing literal path gives an empty result.
 */
export async function globStatus(fs: FileSystem, pattern: string): Promise<FileStatus[]> {
  const found = new Map<string, FileStatus>();
  for (const expanded of expandBraces(pattern)) {
    for (const st of await globOne(fs, expanded)) found.set(st.path, st);
  }
  return [...found.values()].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

interface Candidate {
  path: string;
  status?: FileStatus;
}

async function globOne(fs: FileSystem, pattern: string): Promise<FileStatus[]> {
  const prefix = pathPrefix(pattern);
  const path = parsePath(pattern).path;
  const absolute = path.startsWith('/');
  const root = prefix + (absolute ? '/' : '');
  const components = path.split('/').filter((c) => c !== '' && c !== '.');
  let current: Candidate[] = [{ path: root }];
  for (const component of components) {
    const next: Candidate[] = [];
    if (!isGlobComponent(component)) {
      // A component without glob characters is looked up, not listed (cheap on HDFS).
      const name = component;
      for (const c of current)
        next.push({ path: c.path === root && !absolute ? root + name : joinPath(c.path, name) });
    } else {
      const re = componentRegExp(component);
      for (const c of current) {
        const dir = c.path === root && !absolute ? root + '.' : c.path;
        const dirStatus = c.status ?? (await statusOrUndefined(fs, dir));
        if (dirStatus === undefined || !dirStatus.isDirectory) continue;
        for (const child of await fs.list(dir)) {
          if (re.test(baseName(child.path))) next.push({ path: child.path, status: child });
        }
      }
    }
    current = next;
    if (current.length === 0) return [];
  }
  const out: FileStatus[] = [];
  for (const c of current) {
    const st = c.status ?? (await statusOrUndefined(fs, c.path === '' ? '.' : c.path));
    if (st !== undefined) out.push(st);
  }
  return out;
}

async function statusOrUndefined(fs: FileSystem, path: string): Promise<FileStatus | undefined> {
  try {
    return await fs.status(path);
  } catch (e) {
    if (e instanceof FileNotFoundError) return undefined;
    throw e;
  }
}

/**
 * The files an input spec stands for (Hadoop FileInputFormat.listStatus, non-recursive):
 * each comma-separated entry is expanded as a glob; glob matches with hidden names
 * (`_`, `.`) are dropped; a directory contributes its non-hidden files, and a
 * subdirectory inside an input directory is an error (as in Hadoop). An explicitly
 * named file is read even if its name looks hidden. A missing path or a glob matching
 * nothing is FILE_NOT_FOUND.
 */
export async function listInputFiles(fs: FileSystem, spec: string): Promise<FileStatus[]> {
  const files: FileStatus[] = [];
  const entries = splitInputPaths(spec);
  if (entries.length === 0) throw new InvalidInputError('NO_INPUT_PATH', spec, 'No input path given.');
  for (const entry of entries) {
    const expanded = expandBraces(entry);
    const isGlob = expanded.length > 1 || expanded.some((e) => e.split('/').some(isGlobComponent));
    let matches = await globStatus(fs, entry);
    if (isGlob) matches = matches.filter((m) => !isHiddenName(baseName(m.path)));
    if (matches.length === 0) {
      throw new FileNotFoundError(entry, {
        message: isGlob
          ? `Input pattern ${entry} matches 0 files. Check the pattern; names starting with '_' or '.' are skipped.`
          : `Input path does not exist: ${entry}. Check the path; a path without a scheme is on the default file system (fs.defaultFS).`,
      });
    }
    for (const m of matches) {
      if (!m.isDirectory) {
        files.push(m);
        continue;
      }
      for (const child of await fs.list(m.path)) {
        if (isHiddenName(baseName(child.path))) continue;
        if (child.isDirectory) {
          throw new InvalidInputError(
            'NOT_A_FILE',
            child.path,
            `Not a file: ${child.path} (input directories are read one level deep, as in Hadoop). ` +
              `Name the files with a glob such as ${joinPath(m.path, '*/*')} instead.`,
          );
        }
        files.push(child);
      }
    }
  }
  return files;
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}

function invalidGlob(pattern: string, why: string): InvalidInputError {
  return new InvalidInputError('INVALID_GLOB', pattern, `Invalid glob pattern '${pattern}': ${why}.`);
}
