/**
 * How an application bundle reaches the tspark API. The bundle is written to
 * a temporary directory where `import ... from 'tspark'` could not be
 * resolved, and it must see the very classes of the process that runs it
 * (the driver's SparkContext, or an executor's). So the bundler replaces the
 * `tspark` module with a small shim that reads the host's API from one
 * well-known global, which the host sets before importing the bundle.
 */
export const RUNTIME_KEY = 'tspark.runtime';

export function installRuntime(api: Record<string, unknown>): void {
  (globalThis as Record<symbol, unknown>)[Symbol.for(RUNTIME_KEY)] = api;
}

/** Source of the `tspark` module inside application bundles. */
export function runtimeShimSource(exportNames: readonly string[]): string {
  const names = exportNames.filter((n) => /^[A-Za-z_$][\w$]*$/.test(n) && n !== 'default');
  return [
    `const rt = globalThis[Symbol.for(${JSON.stringify(RUNTIME_KEY)})] || {};`,
    ...names.map((n) => `export const ${n} = rt[${JSON.stringify(n)}];`),
    'export default rt;',
  ].join('\n');
}
