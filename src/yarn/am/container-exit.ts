import type { ContainerStatus } from '../../hadoop/ipc/protocols/yarn-records.js';

/**
 * Turns a completed container's status into a sentence a person can act on
 * (skein's and Spark's YarnAllocator habit), and decides whether it counts
 * towards spark.yarn.max.executor.failures. Exit statuses: ContainerExitStatus
 * in hadoop-yarn-api (docs: ../shared hadoop-ipc.md 8.8).
 */

export const ContainerExitStatus = {
  SUCCESS: 0,
  INVALID: -1000,
  ABORTED: -100,
  DISKS_FAILED: -101,
  PREEMPTED: -102,
  KILLED_EXCEEDED_VMEM: -103,
  KILLED_EXCEEDED_PMEM: -104,
  KILLED_BY_APPMASTER: -105,
  KILLED_BY_RESOURCEMANAGER: -106,
  KILLED_AFTER_APP_COMPLETION: -107,
  KILLED_BY_CONTAINER_SCHEDULER: -108,
  KILLED_FOR_EXCESS_LOGS: -109,
} as const;

/** SIGTERM: what the NodeManager sends first, e.g. when the container exceeds its memory. */
export const EXIT_SIGTERM = 143;
export const EXIT_SIGKILL = 137;

export type ExecutorExitKind =
  /** Exit status 0: the executor finished; it is not replaced. */
  | 'finished'
  /** The executor's own fault (or its size): counted, and replaced. */
  | 'failed'
  /** YARN took it away (node lost, preempted, disks): replaced, not counted. */
  | 'lost';

export interface ExecutorExit {
  kind: ExecutorExitKind;
  exitStatus: number;
  reason: string;
}

/** Last non-empty lines of a text, at most `lines` of them. */
export function lastLines(text: string, lines: number): string {
  const all = text.split(/\r?\n/).filter((l) => l.trim() !== '');
  return all.slice(-lines).join('\n');
}

export interface DescribeExitInput {
  status: ContainerStatus;
  /** The container's memory (MiB), for the memory message. */
  memoryMiB?: number;
  /** The tail of the container's stderr, when the NodeManager still had it. */
  stderrTail?: string;
}

export function describeContainerExit(input: DescribeExitInput): ExecutorExit {
  const { status } = input;
  const code = status.exitStatus;
  const size = input.memoryMiB !== undefined ? ` of ${input.memoryMiB} MiB` : '';
  const memory =
    `killed for exceeding physical memory${size}: raise spark.executor.memoryOverhead ` +
    '(memory outside the V8 heap) or lower spark.executor.memory';
  switch (code) {
    case ContainerExitStatus.SUCCESS:
      return { kind: 'finished', exitStatus: code, reason: 'exited normally' };
    case ContainerExitStatus.KILLED_EXCEEDED_PMEM:
      return { kind: 'failed', exitStatus: code, reason: memory };
    case ContainerExitStatus.KILLED_EXCEEDED_VMEM:
      return {
        kind: 'failed',
        exitStatus: code,
        reason: `killed for exceeding virtual memory${size}: raise spark.executor.memoryOverhead, or ask the cluster admin to disable yarn.nodemanager.vmem-check-enabled`,
      };
    case ContainerExitStatus.ABORTED:
      return {
        kind: 'lost',
        exitStatus: code,
        reason: `node lost or container aborted by YARN${diagnosticsSuffix(status)}`,
      };
    case ContainerExitStatus.PREEMPTED:
      return {
        kind: 'lost',
        exitStatus: code,
        reason: 'preempted by the YARN scheduler to make room for other applications',
      };
    case ContainerExitStatus.DISKS_FAILED:
      return { kind: 'lost', exitStatus: code, reason: 'the NodeManager lost its local or log disks' };
    case ContainerExitStatus.KILLED_BY_RESOURCEMANAGER:
    case ContainerExitStatus.KILLED_BY_APPMASTER:
    case ContainerExitStatus.KILLED_AFTER_APP_COMPLETION:
    case ContainerExitStatus.KILLED_BY_CONTAINER_SCHEDULER:
      return {
        kind: 'lost',
        exitStatus: code,
        reason: `killed by YARN (exit status ${code})${diagnosticsSuffix(status)}`,
      };
    default:
      break;
  }
  // The NodeManager kills an over-limit container with SIGTERM and says so in the diagnostics.
  if (code === EXIT_SIGTERM && /physical memory/i.test(status.diagnostics)) {
    return { kind: 'failed', exitStatus: code, reason: memory };
  }
  const tail = input.stderrTail?.trim() ? lastLines(input.stderrTail, 5) : undefined;
  const signal = code === EXIT_SIGTERM ? ' (SIGTERM)' : code === EXIT_SIGKILL ? ' (SIGKILL)' : '';
  const detail = tail ? `; last lines of its stderr:\n${indent(tail)}` : diagnosticsSuffix(status);
  return { kind: 'failed', exitStatus: code, reason: `exited with code ${code}${signal}${detail}` };
}

function indent(text: string): string {
  return text
    .split('\n')
    .map((l) => `    ${l}`)
    .join('\n');
}

function diagnosticsSuffix(status: ContainerStatus): string {
  const d = status.diagnostics?.trim();
  if (!d) return '';
  return `: ${lastLines(d, 3)}`;
}
