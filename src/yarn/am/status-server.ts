import http from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * The ApplicationMaster's tracking page: a small read-only status page,
 * registered as the tracking URL (the RM's web proxy serves it under
 * /proxy/<appId>/). It shows ids, state and executors; never configuration
 * values or tokens. Until the driver web UI exists this is what "Tracking
 * URL" leads to.
 */

export interface AmStatus {
  appId: string;
  attemptId: string;
  state: string;
  finalStatus?: string;
  diagnostics?: string;
  executors: Array<{ executorId: string; containerId: string; node: string; state: string }>;
  targetExecutors: number;
  pendingContainers: number;
  executorFailures: number;
}

export interface StatusServer {
  url: string;
  close(): Promise<void>;
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

export function renderStatusHtml(s: AmStatus): string {
  const rows = s.executors
    .map(
      (e) =>
        `<tr><td>${escapeHtml(e.executorId)}</td><td>${escapeHtml(e.containerId)}</td><td>${escapeHtml(e.node)}</td><td>${escapeHtml(e.state)}</td></tr>`,
    )
    .join('');
  return (
    `<!doctype html><html><head><meta charset="utf-8"><title>tspark ${escapeHtml(s.appId)}</title></head><body>` +
    `<h1>tspark ApplicationMaster</h1><p>Application ${escapeHtml(s.appId)}, attempt ${escapeHtml(s.attemptId)}: <b>${escapeHtml(s.state)}</b>` +
    (s.finalStatus ? ` (final status ${escapeHtml(s.finalStatus)})` : '') +
    `</p><p>Executors: ${s.executors.length} of ${s.targetExecutors} target, ${s.pendingContainers} containers pending, ${s.executorFailures} failures</p>` +
    `<table><tr><th>Executor</th><th>Container</th><th>Node</th><th>State</th></tr>${rows}</table></body></html>`
  );
}

/** Serves the status (HTML, or JSON at /json) on host:0. */
export async function startStatusServer(host: string, status: () => AmStatus): Promise<StatusServer> {
  const server = http.createServer((req, res) => {
    const s = status();
    if (req.url?.split('?')[0]?.endsWith('/json')) {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(s));
      return;
    }
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end(renderStatusHtml(s));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, host, () => resolve());
  });
  server.unref();
  const port = (server.address() as AddressInfo).port;
  const hostPart = host.includes(':') ? `[${host}]` : host;
  return {
    url: `http://${hostPart}:${port}/`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
