import type { JobListener } from './dag-scheduler.js';

/**
 * Spark's console progress bar, `[Stage 1:=====>      (3 + 2) / 10]`, on a
 * terminal only. Like Spark it appears once a stage has run for half a
 * second, redraws at most every 200 ms, and erases itself when the stage ends.
 * The running count is an estimate: tasks left, capped by the task slots.
 */
const FIRST_DELAY_MS = 500;
const UPDATE_MS = 200;
const WIDTH = 80;

interface StageProgress {
  id: number;
  total: number;
  done: number;
  startedAt: number;
}

export class ConsoleProgressBar implements JobListener {
  private readonly stages = new Map<number, StageProgress>();
  private lastDraw = 0;
  private shown = false;

  constructor(
    private readonly out: NodeJS.WritableStream,
    private readonly clock: () => number,
    private readonly slots = 1,
  ) {}

  onStageSubmitted(stageId: number, _attempt: number, numTasks: number): void {
    this.stages.set(stageId, { id: stageId, total: numTasks, done: 0, startedAt: this.clock() });
  }

  onTaskEnd(stageId: number, succeeded: boolean): void {
    const s = this.stages.get(stageId);
    if (s && succeeded) s.done++;
    this.maybeDraw();
  }

  onStageCompleted(stageId: number): void {
    this.stages.delete(stageId);
    if (this.stages.size === 0) this.clear();
  }

  private maybeDraw(): void {
    const now = this.clock();
    if (now - this.lastDraw < UPDATE_MS) return;
    const visible = [...this.stages.values()].filter((s) => now - s.startedAt >= FIRST_DELAY_MS).slice(0, 3);
    if (visible.length === 0) return;
    this.lastDraw = now;
    const width = Math.floor(WIDTH / visible.length);
    const line = visible.map((s) => renderStage(s, width, Math.min(this.slots, s.total - s.done))).join('');
    this.out.write(`\r${line}`);
    this.shown = true;
  }

  private clear(): void {
    if (!this.shown) return;
    this.out.write(`\r${' '.repeat(WIDTH)}\r`);
    this.shown = false;
  }
}

export function renderStage(s: { id: number; total: number; done: number }, width: number, running: number): string {
  const header = `[Stage ${s.id}:`;
  const tailer = `(${s.done} + ${running}) / ${s.total}]`;
  const w = width - header.length - tailer.length;
  if (w <= 0) return header + tailer;
  const percent = s.total === 0 ? w : Math.floor((w * s.done) / s.total);
  const bar = percent >= w ? '='.repeat(w) : '='.repeat(percent) + '>' + ' '.repeat(Math.max(0, w - percent - 1));
  return header + bar + tailer;
}
