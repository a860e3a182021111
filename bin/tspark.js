#!/usr/bin/env node
// Launcher: the CLI is compiled to dist/ by `npm run build` (which `npm ci` runs through "prepare").
import process from 'node:process';

try {
  await import('../dist/src/cli/tspark.js');
} catch (e) {
  if (e?.code !== 'ERR_MODULE_NOT_FOUND' || !String(e.message).includes('dist')) throw e;
  process.stderr.write(
    'Error: tspark is not built (dist/ is missing): run `npm run build` in the tspark package\n',
  );
  process.exitCode = 1;
}
