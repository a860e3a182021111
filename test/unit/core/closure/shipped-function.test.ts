import { describe, expect, it } from 'vitest';
import { ClosureError, ExportRegistry, shipFunction } from '../../../../src/core/closure/shipped-function.js';
import { rebuildFunction } from '../../../../src/core/closure/rebuild.js';
import { findFreeVariables, parseFunctionSource } from '../../../../src/core/closure/free-variables.js';

const free = (fn: (...a: any[]) => unknown) => findFreeVariables(parseFunctionSource(fn.toString())!).freeNames;
const noCtx = { importModule: async () => ({}), resolveReference: () => undefined };

describe('free variables', () => {
  it('finds captured names and ignores parameters, locals, properties and globals-by-list', () => {
    const factor = 3;
    const table = { a: 1 };
    expect(free((x: number) => x * factor)).toEqual(['factor']);
    expect(free((x: string) => (table as Record<string, number>)[x])).toEqual(['table']);
    expect(
      free(({ a, b: [c, ...d] }: any, e = 1) => {
        const f = a + c + e;
        let g = 0;
        for (const h of d) g = h.prop + f;
        function inner(i: number) {
          return i + g;
        }
        try {
          return inner(1);
        } catch (err) {
          return { key: err, Math };
        }
      }),
    ).toEqual(['Math']);
  });

  it('parses method shorthand and async functions', () => {
    const limit = 2;
    const o = {
      check(x: number) {
        return x > limit;
      },
    };
    expect(free(o.check)).toEqual(['limit']);
    expect(free(async (x: number) => x + limit)).toEqual(['limit']);
  });
});

describe('shipFunction', () => {
  it('refuses an unshipped free variable at declaration, naming it and the fix', () => {
    const factor = 3;
    let err: unknown;
    try {
      shipFunction((x: number) => x * factor, undefined, { operation: 'map' });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ClosureError);
    expect((err as Error).message).toBe(
      "Function passed to map uses 'factor', which is not shipped to executors: pass it in the env, " +
        'e.g. rdd.map((x, env) => ... env.factor ..., { factor }), or use a broadcast variable, or export the function from your application module.',
    );
  });

  it("refuses 'this' in arrow functions and native or bound functions", () => {
    expect(() => shipFunction(Math.max, undefined, { operation: 'reduce' })).toThrow(/cannot be shipped/);
    expect(() => shipFunction(((x: number) => x).bind(null), undefined, { operation: 'map' })).toThrow(/cannot be shipped/);
  });

  it('ships env values by value (snapshotted at declaration) and functions in the env', async () => {
    const env = { factor: 3, offsets: [1, 2], helper: (x: number) => x + 100 };
    const shipped = shipFunction((x: number, e: typeof env) => e.helper(x * e.factor + e.offsets[1]!), env, { operation: 'map' });
    env.offsets.push(5); // a later change does not travel
    const { fn, env: rebuiltEnv } = await rebuildFunction(shipped.spec, noCtx);
    expect(fn(2, rebuiltEnv)).toBe(2 * 3 + 2 + 100);
    expect((rebuiltEnv as { offsets: number[] }).offsets).toEqual([1, 2]);
    expect(Object.isFrozen(rebuiltEnv)).toBe(true);
  });

  it('refuses env values node:v8 cannot serialize, naming the key', () => {
    expect(() => shipFunction((x: number) => x, { sym: Symbol('s') }, { operation: 'filter' })).toThrow(/env\.sym passed to filter cannot be sent/);
  });

  it('ships exported functions by reference', async () => {
    const registry = new ExportRegistry();
    const base = 5;
    const exported = (x: number) => x + base; // would be refused as source
    registry.registerModule('file:///app.mjs', { exported });
    const shipped = shipFunction(exported, undefined, { operation: 'map', registry });
    expect(shipped.spec).toEqual({ kind: 'export', moduleUrl: 'file:///app.mjs', exportName: 'exported' });
    const { fn } = await rebuildFunction(shipped.spec, { ...noCtx, importModule: async () => ({ exported: (x: number) => x * 2 }) });
    expect(fn(4)).toBe(8);
  });

  it('rebuilt source functions can require built-in modules', async () => {
    // shipped functions may require built-ins: that is what this checks
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const shipped = shipFunction((p: string) => require('node:path').basename(p), undefined, { operation: 'map' });
    const { fn } = await rebuildFunction(shipped.spec, noCtx);
    expect(fn('/a/b/c.txt')).toBe('c.txt');
  });
});
