import { deserialize, serialize } from 'node:v8';
import { TsparkError, ExitCode } from '../../errors.js';
import { EXECUTOR_GLOBALS } from './globals.js';
import { findFreeVariables, parseFunctionSource } from './free-variables.js';

/**
 * How a function reaches executors (design: shipping code to executors).
 *
 * - A function exported by the application bundle travels by reference
 *   (module URL + export name) and the executor imports the same bundle.
 * - Any other function travels as its source text and is rebuilt on the
 *   executor. It sees no closure there: values it needs come in an explicit
 *   environment object, given next to the function and handed to it as its
 *   last argument: `rdd.map((x, env) => x * env.factor, { factor })`.
 *   Property access survives bundling and minification, where renamed
 *   variables would not.
 *
 * Env values are snapshotted when the transformation is declared (as Spark
 * serializes a closure then): plain data is v8-serialized, functions are
 * shipped by the same rules, broadcast variables and accumulators travel as
 * references.
 */

export type Env = Readonly<Record<string, unknown>>;

/** Objects (broadcasts, accumulators) that travel as references rather than by value. */
export const SHIP_AS_REFERENCE = Symbol.for('tspark.shipAsReference');
export interface ShippableReference {
  [SHIP_AS_REFERENCE](): EnvReference;
}
export type EnvReference = { ref: 'broadcast'; id: number } | { ref: 'accumulator'; id: number; kind: string; name?: string };

export type EnvValueSpec =
  | { t: 'value'; v: unknown }
  | { t: 'function'; fn: FunctionSpec }
  | { t: 'reference'; r: EnvReference };

export type FunctionSpec =
  | { kind: 'source'; source: string; name: string; env?: Record<string, EnvValueSpec> }
  | { kind: 'export'; moduleUrl: string; exportName: string; env?: Record<string, EnvValueSpec> };

/** Functions exported by loaded application bundles, by identity. */
export class ExportRegistry {
  private readonly byFunction = new Map<unknown, { moduleUrl: string; exportName: string }>();

  registerModule(moduleUrl: string, namespace: Record<string, unknown>): void {
    for (const [exportName, value] of Object.entries(namespace)) {
      if (typeof value === 'function' && !this.byFunction.has(value)) this.byFunction.set(value, { moduleUrl, exportName });
    }
  }

  lookup(fn: unknown): { moduleUrl: string; exportName: string } | undefined {
    return this.byFunction.get(fn);
  }

  moduleUrls(): string[] {
    return [...new Set([...this.byFunction.values()].map((v) => v.moduleUrl))];
  }
}

export class ClosureError extends TsparkError {
  constructor(message: string, context: Record<string, string>) {
    super('UNSHIPPABLE_FUNCTION', message, { exitCode: ExitCode.APP_FAILED, context });
  }
}

/** A user function checked and encoded for executors, with the original kept for driver-side calls. */
export class ShippedFunction<F extends (...args: any[]) => unknown> {
  constructor(
    readonly fn: F,
    readonly env: Env | undefined,
    readonly spec: FunctionSpec,
    /** Broadcast ids this function (or its env functions) refers to. */
    readonly broadcastIds: readonly number[],
  ) {}

  /** Calls the function on the driver the way executors do: env as the last argument. */
  call(...args: Parameters<F>): ReturnType<F> {
    return (this.env === undefined ? this.fn(...args) : this.fn(...args, this.env)) as ReturnType<F>;
  }
}

export interface ShipOptions {
  /** The API the function is passed to, for messages: `map`, `reduceByKey`, ... */
  operation: string;
  registry?: ExportRegistry;
}

export function shipFunction<F extends (...args: any[]) => unknown>(fn: F, env: Env | undefined, options: ShipOptions): ShippedFunction<F> {
  const broadcastIds: number[] = [];
  const spec = encodeFunction(fn, env, options, broadcastIds, 'the function');
  return new ShippedFunction(fn, env, spec, [...new Set(broadcastIds)]);
}

function encodeFunction(fn: unknown, env: Env | undefined, options: ShipOptions, broadcastIds: number[], what: string): FunctionSpec {
  if (typeof fn !== 'function') {
    throw new ClosureError(`${options.operation} expects a function, got ${typeof fn}`, { operation: options.operation });
  }
  const envSpec = env === undefined ? undefined : encodeEnv(env, options, broadcastIds);
  const exported = options.registry?.lookup(fn);
  if (exported) return { kind: 'export', ...exported, ...(envSpec ? { env: envSpec } : {}) };

  const source = Function.prototype.toString.call(fn);
  const node = /\{\s*\[native code\]\s*\}\s*$/.test(source) ? undefined : parseFunctionSource(source);
  if (!node || node.type === 'ClassExpression') {
    throw new ClosureError(
      `${what} passed to ${options.operation} (${fn.name || 'anonymous'}) cannot be shipped to executors: ` +
        'bound, native and class functions have no source to send. Pass an inline function, or export it from your application module.',
      { operation: options.operation },
    );
  }
  const { freeNames, usesThis } = findFreeVariables(node);
  if (usesThis) {
    throw new ClosureError(
      `Function passed to ${options.operation} uses 'this', which is not shipped to executors: ` +
        `pass what it needs in the env, e.g. rdd.${options.operation}((x, env) => ..., { value }), or use a broadcast variable.`,
      { operation: options.operation, variable: 'this' },
    );
  }
  const unshipped = freeNames.filter((n) => !EXECUTOR_GLOBALS.has(n));
  if (unshipped.length > 0) {
    const name = unshipped[0]!;
    const others = unshipped.length > 1 ? ` (also: ${unshipped.slice(1).map((n) => `'${n}'`).join(', ')})` : '';
    throw new ClosureError(
      `Function passed to ${options.operation} uses '${name}'${others}, which is not shipped to executors: ` +
        `pass it in the env, e.g. rdd.${options.operation}((x, env) => ... env.${name} ..., { ${name} }), ` +
        'or use a broadcast variable, or export the function from your application module.',
      { operation: options.operation, variable: name },
    );
  }
  return { kind: 'source', source, name: fn.name, ...(envSpec ? { env: envSpec } : {}) };
}

function encodeEnv(env: Env, options: ShipOptions, broadcastIds: number[]): Record<string, EnvValueSpec> {
  if (env === null || typeof env !== 'object' || Array.isArray(env)) {
    throw new ClosureError(`The env passed to ${options.operation} must be a plain object such as { factor }`, { operation: options.operation });
  }
  const out: Record<string, EnvValueSpec> = {};
  for (const [key, value] of Object.entries(env)) {
    if (typeof value === 'function') {
      out[key] = { t: 'function', fn: encodeFunction(value, undefined, options, broadcastIds, `env.${key}`) };
    } else if (value !== null && typeof value === 'object' && SHIP_AS_REFERENCE in value) {
      const r = (value as ShippableReference)[SHIP_AS_REFERENCE]();
      if (r.ref === 'broadcast') broadcastIds.push(r.id);
      out[key] = { t: 'reference', r };
    } else {
      let snapshot: unknown;
      try {
        snapshot = deserialize(serialize(value));
      } catch (e) {
        throw new ClosureError(
          `env.${key} passed to ${options.operation} cannot be sent to executors (${(e as Error).message}): ` +
            'env values must be data that node:v8 can serialize (objects, arrays, Maps, Dates, typed arrays...).',
          { operation: options.operation, variable: key },
        );
      }
      out[key] = { t: 'value', v: snapshot };
    }
  }
  return out;
}
