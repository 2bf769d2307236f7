import { Environment } from '@marcbachmann/cel-js';
import { AppError } from '../errors/app-error.ts';

/**
 * CEL expressions and `{{ }}` templates for workflows. An expression sees only its variables — `record`, `before`,
 * `steps`, `trigger` and `now` — and no function beyond CEL's standard ones: there is no way to reach the process,
 * the network or the database. Its cost is bounded at parse time (length, syntax-tree nodes, nesting, literal
 * sizes; CEL has no loops but macros over lists, which the node and depth limits keep small) and its result's size
 * is bounded after.
 */

export const MAX_EXPRESSION_LENGTH = 2000;
const MAX_RESULT_BYTES = 64 * 1024;
const MAX_TEMPLATE_PARTS = 50;

const env = new Environment({
  unlistedVariablesAreDyn: false,
  homogeneousAggregateLiterals: false,
  enableOptionalTypes: true,
  limits: { maxAstNodes: 400, maxDepth: 24, maxListElements: 100, maxMapEntries: 100, maxCallArguments: 8 },
});
for (const name of ['record', 'before', 'steps', 'trigger', 'item']) env.registerVariable(name, 'map');
env.registerVariable('now', 'google.protobuf.Timestamp');

/** What an expression is evaluated over. */
export interface ExpressionScope {
  record: Record<string, unknown>;
  before?: Record<string, unknown> | undefined;
  steps?: Record<string, unknown> | undefined;
  trigger?: Record<string, unknown> | undefined;
  /** The related record at hand in an `updateRelated` step. */
  item?: Record<string, unknown> | undefined;
  now?: Date | undefined;
}

/** Why an expression could not be compiled or evaluated, in words (no stack, no internals). */
export class ExpressionError extends Error {}

function firstLine(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return (text.split('\n')[0] ?? '').slice(0, 300);
}

type Parsed = ReturnType<typeof env.parse>;
const cache = new Map<string, Parsed>();

/** Parses an expression (cached); throws ExpressionError saying what is wrong. */
export function compileExpression(expression: string): Parsed {
  const hit = cache.get(expression);
  if (hit) return hit;
  if (expression.length > MAX_EXPRESSION_LENGTH)
    throw new ExpressionError(`is longer than ${MAX_EXPRESSION_LENGTH} characters`);
  if (expression.includes('\u0000')) throw new ExpressionError('contains a NUL character');
  let parsed: Parsed;
  try {
    parsed = env.parse(expression);
  } catch (error) {
    throw new ExpressionError(`does not compile: ${firstLine(error)}`);
  }
  if (cache.size > 1000) cache.clear();
  cache.set(expression, parsed);
  return parsed;
}

/** CEL's values in plain JSON terms: integers (bigint) become numbers, dates ISO text, bytes are refused. */
function toPlain(value: unknown, depth = 0): unknown {
  if (depth > 20) throw new ExpressionError('gives a value nested too deeply');
  if (typeof value === 'bigint') return Number(value);
  // CEL's unsigned integers (`2u`) are objects holding a bigint: numbers too.
  if (value && typeof value === 'object' && typeof value.valueOf() === 'bigint')
    return Number(value.valueOf());
  if (value instanceof Date) return value.toISOString();
  if (value instanceof Uint8Array) throw new ExpressionError('gives bytes, which a field cannot hold');
  if (Array.isArray(value)) return value.map((v) => toPlain(v, depth + 1));
  if (value instanceof Map)
    return Object.fromEntries([...value.entries()].map(([k, v]) => [String(k), toPlain(v, depth + 1)]));
  if (value && typeof value === 'object')
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, toPlain(v, depth + 1)]));
  return value;
}

/** Evaluates an expression over its scope and returns a plain JSON value; throws ExpressionError. */
export function evaluateExpression(expression: string, scope: ExpressionScope): unknown {
  const parsed = compileExpression(expression);
  let result: unknown;
  try {
    result = parsed({
      record: scope.record,
      before: scope.before ?? {},
      steps: scope.steps ?? {},
      trigger: scope.trigger ?? {},
      item: scope.item ?? {},
      now: scope.now ?? new Date(),
    });
  } catch (error) {
    throw new ExpressionError(`could not be evaluated: ${firstLine(error)}`);
  }
  if (result instanceof Promise) throw new ExpressionError('could not be evaluated');
  const plain = toPlain(result);
  if (JSON.stringify(plain ?? null).length > MAX_RESULT_BYTES)
    throw new ExpressionError(`gives a value larger than ${MAX_RESULT_BYTES / 1024} KB`);
  return plain;
}

const MERGE_FIELD = /\{\{([\s\S]*?)\}\}/g;

/** The expressions inside a template's `{{ }}` merge fields. */
export function templateExpressions(template: string): string[] {
  const found = [...template.matchAll(MERGE_FIELD)].map((m) => (m[1] ?? '').trim());
  if (found.length > MAX_TEMPLATE_PARTS)
    throw new ExpressionError(`has more than ${MAX_TEMPLATE_PARTS} merge fields`);
  return found;
}

/** Renders `{{ expression }}` merge fields as text (null and missing values render empty). */
export function renderTemplate(template: string, scope: ExpressionScope): string {
  templateExpressions(template);
  return template.replace(MERGE_FIELD, (_, inner: string) => {
    const value = evaluateExpression(inner.trim(), scope);
    if (value === null || value === undefined) return '';
    return typeof value === 'string' ? value : JSON.stringify(value);
  });
}

/** A value source: a literal as given, or an expression's result. */
export function resolveValue(source: { value: unknown } | { expr: string }, scope: ExpressionScope): unknown {
  return 'expr' in source ? evaluateExpression(source.expr, scope) : source.value;
}

/** Whether a condition's expression holds (it must give true or false). */
export function expressionHolds(expression: string, scope: ExpressionScope): boolean {
  const value = evaluateExpression(expression, scope);
  if (typeof value !== 'boolean') throw new ExpressionError('must give true or false');
  return value;
}

/** An ExpressionError as a business error naming where the expression is (`steps.s2.values.amount`). */
export function expressionProblem(error: unknown, field: string, what: string): AppError {
  const message = error instanceof ExpressionError ? error.message : firstLine(error);
  return new AppError('validation_failed', `${what}: the expression ${message}.`, {
    errors: [{ field, message: `The expression ${message}.` }],
  });
}
