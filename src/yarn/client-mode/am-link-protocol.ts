/**
 * Messages between the driver (in tspark-submit, yarn-client mode) and the
 * ApplicationMaster that launches its executors (Spark's ExecutorLauncher),
 * over the driver endpoint: the AM dials the driver like an executor does,
 * with the same application secret. The transport is src/rpc; these are
 * only the message shapes.
 *
 *   AM -> driver  AM_REGISTER (request)        "I am the AM of attempt N"
 *   AM -> driver  AM_EXECUTOR_EXITED (one-way) an executor container ended, with the reason
 *   driver -> AM  AM_LOCALITY_PREFERENCES (one-way) where the pending tasks would like executors
 *   driver -> AM  AM_FINISH (request)          unregister with this final status
 */
import type { LocalityPreferences } from '../../core/scheduler/backend.js';

export const AmLinkMsg = {
  AM_REGISTER: 'AmRegister',
  AM_REGISTERED: 'AmRegistered',
  AM_EXECUTOR_EXITED: 'AmExecutorExited',
  AM_FINISH: 'AmFinish',
  AM_LOCALITY_PREFERENCES: 'AmLocalityPreferences',
} as const;

export type AmRegister = {
  type: typeof AmLinkMsg.AM_REGISTER;
  appId: string;
  attemptId: number;
  /** The AM's host, for the driver's log. */
  host: string;
};

export type AmRegistered = {
  type: typeof AmLinkMsg.AM_REGISTERED;
};

export type AmExecutorExited = {
  type: typeof AmLinkMsg.AM_EXECUTOR_EXITED;
  executorId: string;
  reason: string;
};

/** The application's end as the driver saw it; the AM unregisters with it. */
export type AmFinish = {
  type: typeof AmLinkMsg.AM_FINISH;
  status: 'SUCCEEDED' | 'FAILED';
  diagnostics: string;
};

/**
 * The driver's pending tasks' preferred hosts (sent when they change); the
 * AM places the containers it asks for next on them.
 */
export type AmLocalityPreferences = {
  type: typeof AmLinkMsg.AM_LOCALITY_PREFERENCES;
  numLocalityAwareTasks: LocalityPreferences['numLocalityAwareTasks'];
  hostToLocalTaskCount: LocalityPreferences['hostToLocalTaskCount'];
};

/** Reads an AM_LOCALITY_PREFERENCES received off the wire: counts must be non-negative integers. */
export function parseAmLocalityPreferences(m: Record<string, unknown>): LocalityPreferences {
  const count = (v: unknown): number => (Number.isInteger(v) && (v as number) >= 0 ? (v as number) : 0);
  const hostToLocalTaskCount: Record<string, number> = {};
  const raw = m.hostToLocalTaskCount;
  if (raw !== null && typeof raw === 'object') {
    for (const [host, n] of Object.entries(raw as Record<string, unknown>)) {
      if (host.length > 0 && count(n) > 0) hostToLocalTaskCount[host] = count(n);
    }
  }
  return { numLocalityAwareTasks: count(m.numLocalityAwareTasks), hostToLocalTaskCount };
}

/** Reads an AM_FINISH received off the wire, refusing anything else. */
export function parseAmFinish(m: Record<string, unknown>): AmFinish {
  const status = m.status;
  if (status !== 'SUCCEEDED' && status !== 'FAILED') {
    throw new Error(`AmFinish with an unknown status ${String(status)}`);
  }
  return {
    type: AmLinkMsg.AM_FINISH,
    status,
    diagnostics: typeof m.diagnostics === 'string' ? m.diagnostics : '',
  };
}
