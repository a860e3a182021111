import { deserialize } from 'node:v8';
import { parentPort, workerData } from 'node:worker_threads';
import { ExecutorState, type ExecutorOptions } from '../../executor/executor-state.js';
import { runTask } from '../../executor/task-runner.js';
import type { StageBinary } from '../../rdd/spec.js';
import { decodeStageBinary, decodeTask, encodeTaskResult } from '../task-codec.js';
import type { FromWorker, ToWorker } from './worker-protocol.js';

/**
 * A local-mode executor slot: one worker thread that runs the tasks the
 * driver sends, one at a time, in arrival order. Tasks arrive as bytes and
 * are rebuilt here, as on a cluster executor.
 */
const port = parentPort;
if (!port) throw new Error('worker-main must run in a worker thread');

if (typeof process.setSourceMapsEnabled === 'function') process.setSourceMapsEnabled(true);

const state = new ExecutorState(workerData as ExecutorOptions);
const binaries = new Map<number, StageBinary>();
const queue: Uint8Array[] = [];
let running = false;

function send(msg: FromWorker): void {
  port!.postMessage(msg);
}

async function drain(): Promise<void> {
  if (running) return;
  running = true;
  try {
    while (queue.length > 0) {
      const task = decodeTask(queue.shift()!);
      const binary = binaries.get(task.binaryId);
      const result = binary
        ? await runTask(task, binary, state)
        : { taskId: task.taskId, ok: false as const, error: { name: 'Error', message: `stage binary ${task.binaryId} was not sent to this executor` }, metrics: { runMs: 0 } };
      send({ type: 'result', bytes: encodeTaskResult(result) });
    }
  } finally {
    running = false;
  }
}

port.on('message', (msg: ToWorker) => {
  switch (msg.type) {
    case 'binary':
      binaries.set(msg.binaryId, decodeStageBinary(msg.bytes));
      break;
    case 'dropBinary':
      binaries.delete(msg.binaryId);
      break;
    case 'broadcast':
      state.broadcasts.set(msg.id, deserialize(msg.bytes));
      break;
    case 'dropBroadcast':
      state.broadcasts.delete(msg.id);
      break;
    case 'launch':
      for (const t of msg.tasks) queue.push(t);
      drain().catch((e: Error) => send({ type: 'fatal', message: e.message, ...(e.stack ? { stack: e.stack } : {}) }));
      break;
    case 'dropRdd':
      void state.blocks.removeRdd(msg.rddId);
      break;
    case 'stop':
      // the driver removes the application's local directory once every worker stopped
      state.blocks
        .clear()
        .finally(() => {
          send({ type: 'stopped' });
          port.close();
        });
      break;
  }
});
