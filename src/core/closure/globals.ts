/**
 * Names a shipped function may use without passing them: the standard
 * JavaScript globals and the Node.js globals every executor has. A fixed list
 * rather than `Object.keys(globalThis)` of the driver, because what counts is
 * what exists on the executor, not what a test runner or REPL added here.
 */
export const EXECUTOR_GLOBALS: ReadonlySet<string> = new Set([
  // language
  'undefined', 'NaN', 'Infinity', 'globalThis', 'arguments', 'eval', 'isFinite', 'isNaN',
  'parseFloat', 'parseInt', 'decodeURI', 'decodeURIComponent', 'encodeURI', 'encodeURIComponent',
  'escape', 'unescape',
  'Object', 'Function', 'Array', 'Number', 'Boolean', 'String', 'Symbol', 'BigInt', 'Math', 'JSON',
  'Date', 'RegExp', 'Error', 'AggregateError', 'EvalError', 'RangeError', 'ReferenceError',
  'SyntaxError', 'TypeError', 'URIError', 'Promise', 'Proxy', 'Reflect', 'Map', 'Set', 'WeakMap',
  'WeakSet', 'WeakRef', 'FinalizationRegistry', 'ArrayBuffer', 'SharedArrayBuffer', 'DataView',
  'Atomics', 'Int8Array', 'Uint8Array', 'Uint8ClampedArray', 'Int16Array', 'Uint16Array',
  'Int32Array', 'Uint32Array', 'Float32Array', 'Float64Array', 'BigInt64Array', 'BigUint64Array',
  'Intl', 'WebAssembly',
  // Node.js
  'console', 'process', 'Buffer', 'require', '__require', 'setTimeout', 'clearTimeout', 'setInterval',
  'clearInterval', 'setImmediate', 'clearImmediate', 'queueMicrotask', 'structuredClone',
  'TextEncoder', 'TextDecoder', 'URL', 'URLSearchParams', 'AbortController', 'AbortSignal',
  'atob', 'btoa', 'performance', 'crypto', 'fetch', 'Blob', 'EventTarget', 'Event',
]);
