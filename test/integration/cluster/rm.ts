// Minimal ResourceManager REST calls for the cluster tests (not tspark's client:
// these tests prove the cluster, independently of the code under test).
import type { HadoopCluster } from '../../support/hadoop.js';
import { getJson, pollUntil, sendJson } from './http.js';

export interface AppReport {
  id: string;
  user: string;
  name: string;
  queue: string;
  state: string;
  finalStatus: string;
  diagnostics: string;
  logAggregationStatus?: string;
  amContainerLogs?: string;
  amHostHttpAddress?: string;
}

const FINAL_STATES = new Set(['FINISHED', 'FAILED', 'KILLED']);

/** `user` null: call without `user.name` (the RM then acts as its static user). */
function withUser(url: string, user: string | null): string {
  return user === null ? url : `${url}?user.name=${encodeURIComponent(user)}`;
}

export async function newApplication(
  cluster: HadoopCluster,
  user: string | null = cluster.user,
): Promise<string> {
  const res = await sendJson('POST', withUser(`${cluster.rmUrl}/ws/v1/cluster/apps/new-application`, user));
  if (res.status !== 200) throw new Error(`new-application: HTTP ${res.status} ${JSON.stringify(res.json)}`);
  return res.json['application-id'];
}

/** Submits `context` (everything but the id); returns the HTTP status. */
export async function submitApplication(
  cluster: HadoopCluster,
  appId: string,
  context: Record<string, unknown>,
  user: string | null = cluster.user,
): Promise<number> {
  const res = await sendJson('POST', withUser(`${cluster.rmUrl}/ws/v1/cluster/apps`, user), {
    'application-id': appId,
    ...context,
  });
  if (res.status !== 202) throw new Error(`submit ${appId}: HTTP ${res.status} ${JSON.stringify(res.json)}`);
  return res.status;
}

export async function appReport(cluster: HadoopCluster, appId: string): Promise<AppReport> {
  return (await getJson(`${cluster.rmUrl}/ws/v1/cluster/apps/${appId}`)).app;
}

export function waitForState(
  cluster: HadoopCluster,
  appId: string,
  states: string[],
  timeoutMs = 120_000,
): Promise<AppReport> {
  return pollUntil(
    `${appId} in ${states.join('/')}`,
    async () => {
      const app = await appReport(cluster, appId);
      return {
        done: states.includes(app.state),
        value: app,
        seen: `${app.state}/${app.finalStatus}: ${app.diagnostics}`,
      };
    },
    timeoutMs,
  );
}

export function waitForFinalState(
  cluster: HadoopCluster,
  appId: string,
  timeoutMs = 120_000,
): Promise<AppReport> {
  return waitForState(cluster, appId, [...FINAL_STATES], timeoutMs);
}

/** Log aggregation runs after the app finishes; bounded wait for SUCCEEDED. */
export function waitForLogAggregation(
  cluster: HadoopCluster,
  appId: string,
  timeoutMs = 90_000,
): Promise<AppReport> {
  return pollUntil(
    `log aggregation of ${appId}`,
    async () => {
      const app = await appReport(cluster, appId);
      if (app.logAggregationStatus === 'FAILED' || app.logAggregationStatus === 'TIME_OUT') {
        throw new Error(`log aggregation of ${appId} ended ${app.logAggregationStatus}`);
      }
      return {
        done: app.logAggregationStatus === 'SUCCEEDED',
        value: app,
        seen: String(app.logAggregationStatus),
      };
    },
    timeoutMs,
  );
}

/** A shell AM command whose stdout/stderr land in the container's log dir. */
export function shellCommand(script: string): { commands: { command: string } } {
  return { commands: { command: `{ ${script}; } 1><LOG_DIR>/stdout 2><LOG_DIR>/stderr` } };
}
