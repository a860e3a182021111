// Small YARN applications for the logs tests: a shell command as the AM,
// submitted through the RM REST API, its stdout/stderr in the container's log dir.
import type { HadoopCluster } from '../../support/hadoop.js';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function rm(cluster: HadoopCluster, method: string, resource: string, body?: unknown): Promise<any> {
  const url = `${cluster.rmUrl}/ws/v1/cluster${resource}?user.name=${cluster.user}`;
  for (let attempt = 1; ; attempt++) {
    try {
      const res = await fetch(url, {
        method,
        headers: { Accept: 'application/json', ...(body ? { 'Content-Type': 'application/json' } : {}) },
        ...(body ? { body: JSON.stringify(body) } : {}),
      });
      const text = await res.text();
      if (res.status >= 300) throw new Error(`${method} ${resource}: ${res.status} ${text}`);
      return text ? JSON.parse(text) : {};
    } catch (e) {
      // Jetty drops idle keep-alive connections; a reused one fails once.
      if (attempt >= 3 || !(e instanceof TypeError)) throw e;
      await sleep(200);
    }
  }
}

/**
 * Submits `command` (run by bash, stdout/stderr redirected to the log dir) and
 * returns the application id. The NodeManager runs it as `bash -c "<command>"`
 * inside its launch script: no double quotes, and `$x` / `$(...)` are expanded
 * by the launch script first (write `\$x` for the inner shell; exported
 * variables such as $CONTAINER_ID work either way).
 */
export async function submitShellApp(
  cluster: HadoopCluster,
  name: string,
  command: string,
  attempts = 1,
): Promise<string> {
  if (command.includes('"'))
    throw new Error('no double quotes in a shell AM command (it runs inside bash -c "...")');
  const { 'application-id': appId } = await rm(cluster, 'POST', '/apps/new-application');
  await rm(cluster, 'POST', '/apps', {
    'application-id': appId,
    'application-name': name,
    'application-type': 'YARN',
    'max-app-attempts': attempts,
    resource: { memory: 256, vCores: 1 },
    'am-container-spec': { commands: { command: `{ ${command} ; } 1><LOG_DIR>/stdout 2><LOG_DIR>/stderr` } },
  });
  return appId as string;
}

export async function appReport(
  cluster: HadoopCluster,
  appId: string,
): Promise<{ state: string; logAggregationStatus: string; user: string }> {
  return (await rm(cluster, 'GET', `/apps/${appId}`)).app;
}

/** Waits until the app has finished and its logs are aggregated. */
export async function waitAggregated(
  cluster: HadoopCluster,
  appId: string,
  timeoutMs = 240_000,
): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    const app = await appReport(cluster, appId);
    if (
      ['FINISHED', 'FAILED', 'KILLED'].includes(app.state) &&
      ['SUCCEEDED', 'FAILED', 'TIME_OUT'].includes(app.logAggregationStatus)
    )
      return;
    await sleep(1000);
  }
  throw new Error(`${appId} was not aggregated within ${timeoutMs} ms`);
}

export async function attempts(
  cluster: HadoopCluster,
  appId: string,
): Promise<{ id: number; containerId: string; nodeId: string; nodeHttpAddress: string }[]> {
  return (await rm(cluster, 'GET', `/apps/${appId}/appattempts`)).appAttempts?.appAttempt ?? [];
}

/** Waits until the first attempt's container runs, and returns it. */
export async function waitRunning(
  cluster: HadoopCluster,
  appId: string,
  timeoutMs = 120_000,
): Promise<{ containerId: string; nodeId: string }> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    const a = (await attempts(cluster, appId).catch(() => []))[0];
    if (a?.containerId) {
      const res = await fetch(
        `http://${a.nodeHttpAddress.replace(/^localhost/, '127.0.0.1')}/ws/v1/node/containers/${a.containerId}`,
        {
          headers: { Accept: 'application/json' },
        },
      );
      if (res.status === 200 && (JSON.parse(await res.text()) as any).container.state === 'RUNNING') return a;
    }
    await sleep(500);
  }
  throw new Error(`${appId} did not start running within ${timeoutMs} ms`);
}

export async function kill(cluster: HadoopCluster, appId: string): Promise<void> {
  await rm(cluster, 'PUT', `/apps/${appId}/state`, { state: 'KILLED' }).catch(() => undefined);
}
