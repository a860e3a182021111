import { existsSync, lstatSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { HadoopCluster } from './hadoop.js';

/**
 * Looking for a leaked application secret on the test cluster's machine: the
 * encodings a leak would take, the application's processes, its containers'
 * `container_tokens` files (where the secret legitimately is) and working
 * directories. Shared by the cluster-mode and client-mode secret tests.
 */

export interface ProcessSnapshot {
  pid: string;
  cmdline: Buffer;
  environ: Buffer;
}

/** The forms a leaked secret would take in text or bytes. */
export function secretForms(secret: Buffer): string[] {
  return [
    secret.toString('hex'),
    secret.toString('hex').toUpperCase(),
    secret.toString('base64'),
    secret.toString('base64url'),
    secret.toString('latin1'),
  ];
}

export function leaks(haystack: Buffer | string, forms: string[]): string[] {
  const text = typeof haystack === 'string' ? haystack : haystack.toString('latin1');
  return forms.filter((f) => text.includes(f));
}

/** The app's `container_tokens` files on the NodeManagers' local dirs, by container. */
export function containerTokenFiles(cluster: HadoopCluster, appId: string): Map<string, string> {
  const found = new Map<string, string>();
  for (const nm of cluster.nodeManagers) {
    for (const local of nm.localDir.split(',')) {
      const appDir = path.join(local, 'usercache', cluster.user, 'appcache', appId);
      if (!existsSync(appDir)) continue;
      for (const c of readdirSync(appDir)) {
        const f = path.join(appDir, c, 'container_tokens');
        if (c.startsWith('container_') && existsSync(f)) found.set(c, f);
      }
    }
  }
  return found;
}

/** Regular files under `dir` (symlinks not followed: localized resources are checked where staged). */
export function filesUnder(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string): void => {
    let entries: string[];
    try {
      entries = readdirSync(d);
    } catch {
      return; // removed while walking: the container ended
    }
    for (const e of entries) {
      const p = path.join(d, e);
      let st;
      try {
        st = lstatSync(p);
      } catch {
        continue;
      }
      if (st.isDirectory()) walk(p);
      else if (st.isFile() && st.size < 16 * 1024 * 1024) out.push(p);
    }
  };
  walk(dir);
  return out;
}

/** Command lines and environments of every process whose environment names the application. */
export function applicationProcesses(appId: string): ProcessSnapshot[] {
  const digits = appId.slice('application_'.length);
  const out: ProcessSnapshot[] = [];
  for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    try {
      const environ = readFileSync(`/proc/${pid}/environ`);
      const cmdline = readFileSync(`/proc/${pid}/cmdline`);
      if (environ.includes(`container_${digits}_`) || cmdline.includes(digits))
        out.push({ pid, cmdline, environ });
    } catch {
      // exited, or not ours
    }
  }
  return out;
}
