import { describe, expect, it } from 'vitest';
import { createRootLogger, formatLogLine } from '../../src/log.js';

describe('text log lines', () => {
  it('formats time, level, component, message and fields', () => {
    const line = formatLogLine(
      JSON.stringify({ level: 30, time: '2026-11-23T06:41:20.215Z', name: 'tspark-submit', component: 'DAGScheduler', stageId: 0, reason: 'two words', msg: 'Submitting 10 missing tasks from stage 0' }),
    );
    expect(line).toBe('2026-11-23 06:41:20.215 INFO DAGScheduler: Submitting 10 missing tasks from stage 0 {stageId=0, reason="two words"}\n');
  });
  it('names the error and falls back to the logger name', () => {
    const line = formatLogLine(JSON.stringify({ level: 50, time: 't', name: 'am', msg: 'failed', err: { type: 'Error', message: 'boom' } }));
    expect(line).toBe('t ERROR am: failed (Error: boom)\n');
  });
  it('passes through what is not JSON', () => {
    expect(formatLogLine('plain')).toBe('plain\n');
  });
  it('writes through a pino root logger', () => {
    const out: string[] = [];
    const logger = createRootLogger({ name: 'x', format: 'text' }, { write: (s: string) => void out.push(formatLogLine(s)) });
    logger.child({ component: 'C' }).info({ n: 1 }, 'hello');
    expect(out).toHaveLength(1);
    expect(out[0]).toMatch(/ INFO C: hello \{n=1\}\n$/);
  });
});
