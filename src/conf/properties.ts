import { readFileSync } from 'node:fs';
import { ConfigError, ExitCode } from '../errors.js';

/**
 * Java `.properties` text, read and written with java.util.Properties' rules
 * (the `load(Reader)` / `store(Writer)` contract), because users carry
 * `spark-defaults.conf` files over from Spark and the AM reads
 * `__spark_conf__.properties` that we write.
 *
 * Reading:
 * - a logical line may span natural lines: a line ending in an odd number of
 *   backslashes continues on the next line, whose leading whitespace is dropped;
 * - a logical line whose first non-blank character is `#` or `!` is a comment
 *   (a continuation line is never a comment);
 * - the key ends at the first unescaped `=`, `:` or whitespace (space, tab,
 *   form feed); whitespace around one `=`/`:` separator is skipped;
 * - escapes: `\t \n \r \f`, `\uXXXX`, and `\x` -> `x` for any other character;
 *   a malformed `\u` escape is an error.
 * Duplicate keys: the last one wins, as in Properties.
 */

const isBlank = (c: string): boolean => c === ' ' || c === '\t' || c === '\f';

/** Splits text into logical lines (comments and blank lines removed). */
function logicalLines(text: string): { line: string; lineNo: number }[] {
  const natural = text.split(/\r\n|\r|\n/);
  const out: { line: string; lineNo: number }[] = [];
  let current: string | undefined;
  let startNo = 0;
  for (let i = 0; i < natural.length; i++) {
    let raw = natural[i]!;
    let s = 0;
    while (s < raw.length && isBlank(raw[s]!)) s++;
    raw = raw.slice(s);
    if (current === undefined) {
      if (raw === '' || raw[0] === '#' || raw[0] === '!') continue;
      startNo = i + 1;
      current = '';
    }
    let backslashes = 0;
    for (let j = raw.length - 1; j >= 0 && raw[j] === '\\'; j--) backslashes++;
    if (backslashes % 2 === 1) {
      current += raw.slice(0, -1);
      // A continuation on the last line of the file just ends the logical line.
      if (i === natural.length - 1) {
        out.push({ line: current, lineNo: startNo });
        current = undefined;
      }
      continue;
    }
    current += raw;
    out.push({ line: current, lineNo: startNo });
    current = undefined;
  }
  return out;
}

/** Resolves escapes in a key or value (Properties.loadConvert). */
function unescape(s: string, where: string): string {
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (c !== '\\') {
      out += c;
      continue;
    }
    i++;
    if (i >= s.length) break; // lone trailing backslash at end of input: dropped
    const e = s[i]!;
    if (e === 'u') {
      const hex = s.slice(i + 1, i + 5);
      if (!/^[0-9a-fA-F]{4}$/.test(hex)) {
        throw new ConfigError(
          'MALFORMED_PROPERTIES',
          `${where}: malformed \\uXXXX escape '\\u${hex}': write four hex digits, or '\\\\u' for a literal backslash-u`,
        );
      }
      out += String.fromCharCode(parseInt(hex, 16));
      i += 4;
    } else if (e === 't') out += '\t';
    else if (e === 'n') out += '\n';
    else if (e === 'r') out += '\r';
    else if (e === 'f') out += '\f';
    else out += e;
  }
  return out;
}

/** Splits a logical line into raw (still escaped) key and value. */
function splitKeyValue(line: string): [string, string] {
  let keyEnd = 0;
  let hasSeparator = false;
  let escaped = false;
  for (; keyEnd < line.length; keyEnd++) {
    const c = line[keyEnd]!;
    if (escaped) {
      escaped = false;
      continue;
    }
    if (c === '\\') {
      escaped = true;
      continue;
    }
    if (c === '=' || c === ':') {
      hasSeparator = true;
      break;
    }
    if (isBlank(c)) break;
  }
  let v = hasSeparator ? keyEnd + 1 : keyEnd;
  while (v < line.length && isBlank(line[v]!)) v++;
  if (!hasSeparator && v < line.length && (line[v] === '=' || line[v] === ':')) {
    v++;
    while (v < line.length && isBlank(line[v]!)) v++;
  }
  return [line.slice(0, keyEnd), line.slice(v)];
}

/**
 * Parses `.properties` text into ordered [key, value] pairs (last duplicate
 * wins, keeping the position of the first). `source` names the file in errors.
 */
export function parseProperties(text: string, source = 'properties'): [string, string][] {
  const result = new Map<string, string>();
  for (const { line, lineNo } of logicalLines(text)) {
    const [k, v] = splitKeyValue(line);
    const where = `${source}:${lineNo}`;
    result.set(unescape(k, where), unescape(v, where));
  }
  return [...result.entries()];
}

/** Escapes a key or value for writing (Properties.saveConvert, with unicode escapes). */
function escape(s: string, isKey: boolean): string {
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    const code = c.charCodeAt(0);
    if (c === ' ') out += i === 0 || isKey ? '\\ ' : ' ';
    else if (c === '\t') out += '\\t';
    else if (c === '\n') out += '\\n';
    else if (c === '\r') out += '\\r';
    else if (c === '\f') out += '\\f';
    else if (c === '\\' || c === '=' || c === ':' || c === '#' || c === '!') out += '\\' + c;
    else if (code < 0x20 || code > 0x7e) out += '\\u' + code.toString(16).toUpperCase().padStart(4, '0');
    else out += c;
  }
  return out;
}

/**
 * Writes pairs as `.properties` text readable by java.util.Properties and by
 * parseProperties. Non-ASCII characters become `\uXXXX` escapes so that the
 * file is correct whether read as ISO-8859-1 (Properties.load(InputStream)) or
 * UTF-8. Keys are written sorted for reproducible files; no timestamp line.
 */
export function formatProperties(pairs: Iterable<readonly [string, string]>, comment?: string): string {
  const lines: string[] = [];
  if (comment !== undefined) {
    for (const c of comment.split(/\r\n|\r|\n/)) lines.push('# ' + escape(c, false).replace(/^\\ /, ' '));
  }
  const sorted = [...pairs].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  for (const [k, v] of sorted) lines.push(`${escape(k, true)}=${escape(v, false)}`);
  return lines.join('\n') + '\n';
}

/**
 * Reads a Spark properties file (spark-defaults.conf, --properties-file) as
 * Spark does: UTF-8, values trimmed (Utils.getPropertiesFromFile trims them).
 */
export function readSparkPropertiesFile(path: string): [string, string][] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') {
      throw new ConfigError(
        'PROPERTIES_FILE_NOT_FOUND',
        `properties file ${path} does not exist: fix the path given to --properties-file, or drop the flag to use conf/spark-defaults.conf`,
        { cause: e, context: { path }, exitCode: ExitCode.PROPERTIES_FILE_NOT_FOUND },
      );
    }
    throw new ConfigError(
      'PROPERTIES_FILE_UNREADABLE',
      `properties file ${path} cannot be read (${code ?? String(e)}): check that it is a readable file`,
      { cause: e, context: { path }, exitCode: ExitCode.PROPERTIES_FILE_NOT_FOUND },
    );
  }
  return parseProperties(text, path).map(([k, v]) => [k, v.trim()]);
}
