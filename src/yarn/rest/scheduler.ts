import type { CapacitySchedulerQueue, SchedulerInfo } from './types.js';

/**
 * Leaf queues of the scheduler, so a submission to an unknown queue can be
 * refused with a clear message before it is sent: the RM itself accepts such
 * a submission (202) and fails the application afterwards ("submitted by user
 * X to unknown queue: Y"). Undefined when the scheduler type is one whose
 * queue tree we do not read (fair scheduler): then the RM decides.
 */
export interface LeafQueue {
  /** Short name, as `--queue` takes it (`default`). */
  name: string;
  /** Full path (`root.default`). */
  path: string;
}

export function leafQueues(info: SchedulerInfo): LeafQueue[] | undefined {
  if (info.type === 'fifoScheduler') return [{ name: 'default', path: 'root.default' }];
  if (info.type !== 'capacityScheduler') return undefined;
  const out: LeafQueue[] = [];
  const walk = (q: CapacitySchedulerQueue, parent: string | undefined): void => {
    const path = q.queuePath ?? (parent ? `${parent}.${q.queueName}` : q.queueName);
    const children = q.queues?.queue ?? [];
    if (children.length === 0) out.push({ name: q.queueName, path });
    for (const c of children) walk(c, path);
  };
  for (const q of info.queues?.queue ?? []) walk(q, info.queuePath ?? info.queueName ?? 'root');
  return out;
}
