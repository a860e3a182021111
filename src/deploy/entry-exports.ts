import { readFile } from 'node:fs/promises';
import { extname } from 'node:path';
import { parse, type Node } from 'acorn';
import { build, transform } from 'esbuild';
import { ExitCode, UsageError } from '../errors.js';

/**
 * The runtime exports of an application entry module, found without running
 * it (its top level may touch HDFS or start work): JavaScript is parsed with
 * acorn; TypeScript is first stripped of types by esbuild (type-only exports
 * disappear, as at run time). `export * from './x'` can only be resolved by
 * following imports, so such modules are bundled with esbuild and the
 * exports read from its metafile.
 */

export const ENTRY_EXTENSIONS = ['.js', '.mjs', '.ts', '.mts'] as const;

const TS_EXTENSIONS = new Set(['.ts', '.mts']);

interface Named {
  type: string;
  name?: string;
  value?: unknown;
}

function patternNames(p: Node | null | undefined, out: string[]): void {
  if (!p) return;
  const n = p as Node & Record<string, any>;
  switch (n.type) {
    case 'Identifier':
      out.push(n.name);
      break;
    case 'ObjectPattern':
      for (const prop of n.properties)
        patternNames(prop.type === 'RestElement' ? prop.argument : prop.value, out);
      break;
    case 'ArrayPattern':
      for (const el of n.elements) patternNames(el, out);
      break;
    case 'RestElement':
      patternNames(n.argument, out);
      break;
    case 'AssignmentPattern':
      patternNames(n.left, out);
      break;
  }
}

const exportedName = (n: Named): string => (n.type === 'Identifier' ? n.name! : String(n.value));

/** Export names of ES module source; `complete` is false when `export * from` needs resolving. */
export function staticExports(source: string): { names: string[]; complete: boolean } {
  const program = parse(source, { ecmaVersion: 'latest', sourceType: 'module', allowHashBang: true });
  const names: string[] = [];
  let complete = true;
  for (const stmt of program.body as (Node & Record<string, any>)[]) {
    if (stmt.type === 'ExportDefaultDeclaration') names.push('default');
    else if (stmt.type === 'ExportNamedDeclaration') {
      const d = stmt.declaration;
      if (d?.type === 'FunctionDeclaration' || d?.type === 'ClassDeclaration') names.push(d.id.name);
      else if (d?.type === 'VariableDeclaration') for (const v of d.declarations) patternNames(v.id, names);
      for (const s of stmt.specifiers ?? []) names.push(exportedName(s.exported));
    } else if (stmt.type === 'ExportAllDeclaration') {
      if (stmt.exported) names.push(exportedName(stmt.exported));
      else complete = false;
    }
  }
  return { names, complete };
}

async function bundledExports(file: string): Promise<string[]> {
  const result = await build({
    entryPoints: [file],
    bundle: true,
    write: false,
    metafile: true,
    format: 'esm',
    platform: 'node',
    packages: 'external',
    logLevel: 'silent',
    outdir: 'out',
  });
  return Object.values(result.metafile.outputs).flatMap((o) => (o.entryPoint ? o.exports : []));
}

function syntaxError(file: string, detail: string): UsageError {
  return new UsageError(
    'ENTRY_SYNTAX',
    `application entry ${file} does not parse (${detail}): fix the syntax error`,
    { exitCode: ExitCode.ENTRY_NOT_FOUND, context: { path: file } },
  );
}

/** The runtime export names of the entry module at `file` (an absolute path). */
export async function listEntryExports(file: string): Promise<string[]> {
  const ext = extname(file).toLowerCase();
  let source = await readFile(file, 'utf8');
  if (TS_EXTENSIONS.has(ext)) {
    try {
      source = (await transform(source, { loader: 'ts', format: 'esm', sourcefile: file })).code;
    } catch (e) {
      const first = (e as { errors?: { text: string; location?: { line: number; column: number } }[] })
        .errors?.[0];
      const where = first?.location ? `${first.location.line}:${first.location.column + 1}: ` : '';
      throw syntaxError(file, `${where}${first?.text ?? String(e)}`);
    }
  }
  let found: { names: string[]; complete: boolean };
  try {
    found = staticExports(source);
  } catch (e) {
    const loc = (e as { loc?: { line: number; column: number } }).loc;
    const msg = (e as Error).message.replace(/\s*\(\d+:\d+\)$/, '');
    throw syntaxError(file, loc ? `${loc.line}:${loc.column + 1}: ${msg}` : msg);
  }
  if (found.complete) return found.names;
  try {
    return await bundledExports(file);
  } catch (e) {
    const first = (e as { errors?: { text: string }[] }).errors?.[0];
    throw syntaxError(file, first?.text ?? String(e));
  }
}
