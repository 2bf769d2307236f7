import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  evaluateFormula,
  FormulaError,
  formulaMeasures,
  formulaText,
  parseFormula,
} from './report-formula.ts';

/** An expression of the grammar, written out, and the same arithmetic done by JavaScript on the same values. */
const expression = (values: number[]) =>
  fc.letrec<{ e: [string, number] }>((tie) => ({
    e: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      fc.integer({ min: 0, max: 1000 }).map((n): [string, number] => [String(n), n]),
      fc.integer({ min: 0, max: values.length - 1 }).map((i): [string, number] => [`m${i}`, values[i]!]),
      fc
        .tuple(tie('e'), fc.constantFrom('+', '-', '*'), tie('e'))
        .map(([[a, x], op, [b, y]]): [string, number] => [
          `(${a} ${op} ${b})`,
          op === '+' ? x + y : op === '-' ? x - y : x * y,
        ]),
      tie('e').map(([a, x]): [string, number] => [`-${a}`, -x]),
    ),
  })).e;

describe('report formulas', () => {
  it('computes what the arithmetic says, for any expression of the grammar', () => {
    const values = [3, 0, 12.5, 7];
    fc.assert(
      fc.property(expression(values), ([text, expected]) => {
        const value = evaluateFormula(parseFormula(text), values);
        if (!Number.isFinite(expected)) expect(value).toBeNull();
        else expect(value).toBeCloseTo(expected, 6);
      }),
    );
  });

  it('keeps precedence and associativity, and leaves empty what has no value', () => {
    const v = [10, 4, null, 0];
    expect(evaluateFormula(parseFormula('m0 - m1 - 1'), v)).toBe(5);
    expect(evaluateFormula(parseFormula('m0 / m1 / 5'), v)).toBe(0.5);
    expect(evaluateFormula(parseFormula('2 + m0 * m1'), v)).toBe(42);
    expect(evaluateFormula(parseFormula('-(m0 + 2) * .5'), v)).toBe(-6);
    expect(evaluateFormula(parseFormula('m0 / m3'), v)).toBeNull();
    expect(evaluateFormula(parseFormula('m0 + m2'), v)).toBeNull();
    expect(evaluateFormula(parseFormula('m0'), ['12.50'])).toBe(12.5);
    expect(formulaMeasures(parseFormula('m1 * (m2 / m1) * m3 / m4'))).toEqual([1, 2, 1, 3, 4]);
    expect(formulaText(2 / 3)).toBe('0.666667');
    expect(formulaText(-0.0000001)).toBe('0');
    expect(formulaText(null)).toBeNull();
  });

  it('refuses anything else with a reason, without recursing into a bomb', () => {
    for (const bad of [
      '',
      'm0 +',
      'm10',
      'M0',
      'm0 m1',
      'eval(m0)',
      'm0 ** 2',
      'm0 % 2',
      '1e5',
      'm0\u0000',
      '\ud800',
      '(m0',
      'm0)',
      '٣ + m0',
      'x'.repeat(501),
      `${'('.repeat(200)}m0${')'.repeat(200)}`,
      '-'.repeat(400),
    ])
      expect(() => parseFormula(bad), JSON.stringify(bad.slice(0, 20))).toThrow(FormulaError);
  });
});
