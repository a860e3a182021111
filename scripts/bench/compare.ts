// Checks that a result is plausible on its own and that both engines computed
// the same answer. Each function returns the problems found (empty: agreed).

type Result = Record<string, unknown>;

/** Fields both engines must report with equal values, per kind of answer. */
const EQUAL_FIELDS: Record<AnswerKind, readonly string[]> = {
  counts: ['distinct', 'total', 'checksum', 'top'],
  groups: ['distinct', 'total', 'checksum', 'top', 'sums'],
  sorted: ['count', 'checksum'],
  tasks: ['tasks', 'count'],
  pi: [],
};

export type AnswerKind = 'counts' | 'groups' | 'sorted' | 'tasks' | 'pi';

/** How far an estimate of Pi from 1,000,000 darts may stray (about 6 standard errors). */
export const PI_TOLERANCE = 0.01;

function same(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** Problems in one engine's result taken alone. */
export function checkResult(
  kind: AnswerKind,
  r: Result,
  expect: { records?: number; tasks?: number },
): string[] {
  const problems: string[] = [];
  for (const field of EQUAL_FIELDS[kind]) if (!(field in r)) problems.push(`result has no '${field}'`);
  if (kind === 'sorted') {
    const p = r.problems;
    if (Array.isArray(p) && p.length > 0) problems.push(`output not sorted: ${p.join('; ')}`);
    if (expect.records !== undefined && r.count !== expect.records)
      problems.push(`sorted ${String(r.count)} records, expected ${expect.records}`);
  }
  if (kind === 'groups' && expect.records !== undefined && r.total !== expect.records) {
    problems.push(`groups hold ${String(r.total)} values, expected ${expect.records}`);
  }
  if (kind === 'tasks') {
    if (expect.tasks !== undefined && r.tasks !== expect.tasks)
      problems.push(`ran ${String(r.tasks)} tasks, expected ${expect.tasks}`);
    if (r.count !== 0) problems.push(`count of an empty RDD is ${String(r.count)}`);
  }
  if (kind === 'pi') {
    const pi = r.pi;
    if (typeof pi !== 'number' || !(Math.abs(pi - Math.PI) <= PI_TOLERANCE))
      problems.push(`Pi estimate ${String(pi)} is not within ${PI_TOLERANCE} of ${Math.PI}`);
  }
  return problems;
}

/**
 * Whether a run reported spilling (undefined when it reports nothing). Not spilling is
 * not a wrong answer, so the harness warns instead of failing: the limit did not bind
 * at this input size (lower --spill-memory-fraction or raise --records).
 */
export function spilled(r: Result): boolean | undefined {
  return typeof r.spills === 'number' ? r.spills > 0 : undefined;
}

/** Differences between tspark's and Spark's answers. */
export function compareResults(kind: AnswerKind, tspark: Result, spark: Result): string[] {
  const problems: string[] = [];
  for (const field of EQUAL_FIELDS[kind]) {
    if (!same(tspark[field], spark[field])) {
      problems.push(
        `'${field}' differs: tspark ${JSON.stringify(tspark[field])}, Spark ${JSON.stringify(spark[field])}`,
      );
    }
  }
  return problems;
}
