import { createRequire } from 'node:module';
import type { EnvReference, EnvValueSpec, FunctionSpec } from './shipped-function.js';

/**
 * Executor side of code shipping: turns a FunctionSpec back into a callable.
 * Source functions are compiled with `new Function` in a scope that holds only
 * `require` (so `require('node:path')` works inside shipped code) and
 * `__require`, the name esbuild gives `require` calls when it bundles an
 * application as ESM (submitted applications are bundled that way); exported
 * functions are looked up in the imported application bundle.
 */

export interface RebuildContext {
  importModule(url: string): Promise<Record<string, unknown>>;
  resolveReference(r: EnvReference): unknown;
}

/** A rebuilt function and the env that executors pass as its last argument. */
export interface RebuiltFunction {
  fn: (...args: any[]) => any;
  env: Record<string, unknown> | undefined;
}

const shippedRequire = createRequire(import.meta.url);
type Compiled<T> = (req: NodeRequire, bundledReq: NodeRequire) => T;

export async function rebuildFunction(spec: FunctionSpec, ctx: RebuildContext): Promise<RebuiltFunction> {
  const env = spec.env === undefined ? undefined : await rebuildEnv(spec.env, ctx);
  if (spec.kind === 'export') {
    const ns = await ctx.importModule(spec.moduleUrl);
    const fn = ns[spec.exportName];
    if (typeof fn !== 'function') {
      throw new Error(`export '${spec.exportName}' of ${spec.moduleUrl} is not a function on this executor`);
    }
    return { fn: fn as (...args: any[]) => any, env };
  }
  let fn: unknown;
  try {
    fn = (new Function('require', '__require', `"use strict";\nreturn (${spec.source});`) as Compiled<unknown>)(shippedRequire, shippedRequire);
  } catch (e) {
    // method shorthand `name(x) { ... }` only parses inside an object literal
    if (!(e instanceof SyntaxError)) throw e;
    const obj = (new Function('require', '__require', `"use strict";\nreturn ({${spec.source}});`) as Compiled<Record<string, unknown>>)(shippedRequire, shippedRequire);
    fn = Object.values(obj)[0];
  }
  return { fn: fn as (...args: any[]) => any, env };
}

async function rebuildEnv(spec: Record<string, EnvValueSpec>, ctx: RebuildContext): Promise<Record<string, unknown>> {
  const env: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(spec)) {
    if (value.t === 'value') env[key] = value.v;
    else if (value.t === 'reference') env[key] = ctx.resolveReference(value.r);
    else {
      const inner = await rebuildFunction(value.fn, ctx);
      env[key] = inner.fn;
    }
  }
  return Object.freeze(env);
}
