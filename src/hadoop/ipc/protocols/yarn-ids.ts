/**
 * YARN ids and their string forms (ApplicationId, ApplicationAttemptId,
 * ContainerId in hadoop-yarn-api): application_<ts>_<id, ≥4 digits>,
 * appattempt_<ts>_<app, ≥4>_<attempt, ≥6>, container_[e<epoch>_]<ts>_<app, ≥4>_<attempt, ≥2>_<seq, ≥6>.
 */

export interface ApplicationId {
  clusterTimestamp: bigint;
  id: number;
}

export interface ApplicationAttemptId {
  applicationId: ApplicationId;
  attemptId: number;
}

export interface ContainerId {
  applicationAttemptId: ApplicationAttemptId;
  /** (epoch << 40) | sequence number, as on the wire. */
  containerId: bigint;
}

export interface NodeId {
  host: string;
  port: number;
}

const pad = (n: number | bigint, width: number) => n.toString().padStart(width, '0');

export function formatApplicationId(id: ApplicationId): string {
  return `application_${id.clusterTimestamp}_${pad(id.id, 4)}`;
}

export function formatApplicationAttemptId(id: ApplicationAttemptId): string {
  return `appattempt_${id.applicationId.clusterTimestamp}_${pad(id.applicationId.id, 4)}_${pad(id.attemptId, 6)}`;
}

const SEQUENCE_BITS = 40n;
const SEQUENCE_MASK = (1n << SEQUENCE_BITS) - 1n;

export function formatContainerId(id: ContainerId): string {
  const epoch = id.containerId >> SEQUENCE_BITS;
  const seq = id.containerId & SEQUENCE_MASK;
  const app = id.applicationAttemptId.applicationId;
  const epochPart = epoch > 0n ? `e${pad(epoch, 2)}_` : '';
  return `container_${epochPart}${app.clusterTimestamp}_${pad(app.id, 4)}_${pad(id.applicationAttemptId.attemptId, 2)}_${pad(seq, 6)}`;
}

export function formatNodeId(id: NodeId): string {
  return `${id.host}:${id.port}`;
}

/** Parses CONTAINER_ID as ContainerId.fromString does; throws on anything else. */
export function parseContainerId(text: string): ContainerId {
  const parts = text.split('_');
  const fail = () =>
    new Error(
      `"${text}" is not a YARN container id (expected container_[e<epoch>_]<clusterTimestamp>_<app>_<attempt>_<seq>)`,
    );
  if (parts[0] !== 'container') throw fail();
  let i = 1;
  let epoch = 0n;
  if (parts[1]?.startsWith('e')) {
    const e = parts[1].slice(1);
    if (!/^\d+$/.test(e)) throw fail();
    epoch = BigInt(e);
    i = 2;
  }
  const rest = parts.slice(i);
  if (rest.length !== 4 || !rest.every((p) => /^\d+$/.test(p))) throw fail();
  const [ts, app, attempt, seq] = rest as [string, string, string, string];
  return {
    applicationAttemptId: {
      applicationId: { clusterTimestamp: BigInt(ts), id: Number(app) },
      attemptId: Number(attempt),
    },
    containerId: (epoch << SEQUENCE_BITS) | BigInt(seq),
  };
}
