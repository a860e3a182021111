import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

/**
 * local-cluster executors run the compiled package (dist/). `npm test`
 * builds first; a run of these files alone rebuilds when any source file is
 * newer than the compiled executor and cluster backend.
 */
export function ensureDistIsFresh(root: string): void {
  const outputs = ['dist/src/executor/main.js', 'dist/src/core/scheduler/cluster/local-cluster.js'].map((p) =>
    join(root, p),
  );
  const oldest = Math.min(...outputs.map((p) => (existsSync(p) ? statSync(p).mtimeMs : 0)));
  if (newestSource(join(root, 'src')) <= oldest) return;
  try {
    execFileSync('npm', ['run', 'build'], { cwd: root, stdio: 'pipe' });
  } catch (e) {
    // type errors in unrelated work in progress still emit JavaScript; only a missing output is fatal
    if (!outputs.every((p) => existsSync(p))) throw e;
  }
}

function newestSource(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestSource(path));
    else if (entry.name.endsWith('.ts')) newest = Math.max(newest, statSync(path).mtimeMs);
  }
  return newest;
}
