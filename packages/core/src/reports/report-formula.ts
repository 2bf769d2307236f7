/**
 * A report's calculated measure: arithmetic over the group's other measures, named m0…m9 by their place — a sales
 * velocity (m1 * m2 / m3), a net score (m0 - m1), a rate (m1 / m0 * 100). Numbers, the four operations, unary
 * minus and parentheses; nothing else is read or called. It is worked out on each group's row after the query, so
 * it sorts and draws like any other measure, and an empty operand or a division by zero leaves it empty.
 */

export type FormulaNode =
  | { kind: 'number'; value: number }
  | { kind: 'measure'; index: number }
  | { kind: 'negate'; operand: FormulaNode }
  | { kind: 'binary'; op: '+' | '-' | '*' | '/'; left: FormulaNode; right: FormulaNode };

export class FormulaError extends Error {}

/** Longest expression accepted, and deepest nesting (a bomb of parentheses is refused, never recursed into). */
export const MAX_FORMULA_LENGTH = 500;
const MAX_DEPTH = 32;

type Token =
  | { kind: 'number'; value: number }
  | { kind: 'measure'; index: number }
  | { kind: 'op'; op: string };

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const ch = text[i]!;
    if (ch === ' ' || ch === '\t') {
      i += 1;
      continue;
    }
    if ('+-*/()'.includes(ch)) {
      tokens.push({ kind: 'op', op: ch });
      i += 1;
      continue;
    }
    const number = /^(\d+(\.\d+)?|\.\d+)/.exec(text.slice(i, i + 40));
    if (number) {
      tokens.push({ kind: 'number', value: Number(number[0]) });
      i += number[0].length;
      continue;
    }
    const measure = /^m(\d)(?!\d)/.exec(text.slice(i, i + 3));
    if (measure) {
      tokens.push({ kind: 'measure', index: Number(measure[1]) });
      i += 2;
      continue;
    }
    throw new FormulaError(
      `Unexpected "${[...text.slice(i)][0]}" at ${i + 1}: use numbers, m0…m9, + - * / and parentheses.`,
    );
  }
  return tokens;
}

/** Parses an expression; a FormulaError says what is wrong and where. */
export function parseFormula(text: string): FormulaNode {
  if (text.length > MAX_FORMULA_LENGTH) throw new FormulaError(`At most ${MAX_FORMULA_LENGTH} characters.`);
  const tokens = tokenize(text);
  let at = 0;
  const peek = () => tokens[at];
  const isOp = (t: Token | undefined, ops: string): t is { kind: 'op'; op: string } =>
    t?.kind === 'op' && ops.includes(t.op);
  const expression = (depth: number): FormulaNode => {
    let left = term(depth);
    while (isOp(peek(), '+-')) {
      const op = (tokens[at++] as { op: '+' | '-' }).op;
      left = { kind: 'binary', op, left, right: term(depth) };
    }
    return left;
  };
  const term = (depth: number): FormulaNode => {
    let left = factor(depth);
    while (isOp(peek(), '*/')) {
      const op = (tokens[at++] as { op: '*' | '/' }).op;
      left = { kind: 'binary', op, left, right: factor(depth) };
    }
    return left;
  };
  const factor = (depth: number): FormulaNode => {
    if (depth > MAX_DEPTH) throw new FormulaError(`Nested more than ${MAX_DEPTH} deep.`);
    const t = tokens[at++];
    if (!t) throw new FormulaError('The expression ends too early.');
    if (t.kind === 'number') return { kind: 'number', value: t.value };
    if (t.kind === 'measure') return { kind: 'measure', index: t.index };
    if (t.op === '-') return { kind: 'negate', operand: factor(depth + 1) };
    if (t.op === '(') {
      const inner = expression(depth + 1);
      if (!isOp(tokens[at++], ')')) throw new FormulaError('A "(" is not closed.');
      return inner;
    }
    throw new FormulaError(`Unexpected "${t.op}".`);
  };
  if (tokens.length === 0) throw new FormulaError('Give an expression, such as m1 / m0.');
  const node = expression(0);
  if (at < tokens.length) throw new FormulaError('Unexpected text after the expression.');
  return node;
}

/** The measures an expression reads (their places). */
export function formulaMeasures(node: FormulaNode): number[] {
  switch (node.kind) {
    case 'number':
      return [];
    case 'measure':
      return [node.index];
    case 'negate':
      return formulaMeasures(node.operand);
    case 'binary':
      return [...formulaMeasures(node.left), ...formulaMeasures(node.right)];
  }
}

/** The value of an expression over a row's measures; null when an operand is empty or a division is by zero. */
export function evaluateFormula(
  node: FormulaNode,
  values: readonly (number | string | null)[],
): number | null {
  switch (node.kind) {
    case 'number':
      return node.value;
    case 'measure': {
      const v = values[node.index];
      if (v === null || v === undefined || v === '') return null;
      const n = Number(v);
      return Number.isFinite(n) ? n : null;
    }
    case 'negate': {
      const v = evaluateFormula(node.operand, values);
      return v === null ? null : -v;
    }
    case 'binary': {
      const a = evaluateFormula(node.left, values);
      const b = evaluateFormula(node.right, values);
      if (a === null || b === null) return null;
      const r =
        node.op === '+' ? a + b : node.op === '-' ? a - b : node.op === '*' ? a * b : b === 0 ? null : a / b;
      return r === null || !Number.isFinite(r) ? null : r;
    }
  }
}

/** A formula's value as an answer holds it: a decimal string of at most six decimals (like the other measures). */
export function formulaText(value: number | null): string | null {
  if (value === null) return null;
  const rounded = Math.round(value * 1e6) / 1e6;
  return Object.is(rounded, -0) ? '0' : String(rounded);
}
