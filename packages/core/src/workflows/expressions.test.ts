import { describe, expect, it } from 'vitest';
import { compileExpression, evaluateExpression, expressionHolds, renderTemplate } from './expressions.ts';

describe('workflow expressions', () => {
  const scope = {
    record: { name: 'علی رضایی', city: 'تهران', amount: 5000, tags: ['ویژه'] },
    before: { amount: 100 },
  };

  it('evaluates over Persian and Arabic text and numbers', () => {
    expect(evaluateExpression('record.name + " عزیز"', scope)).toBe('علی رضایی عزیز');
    expect(evaluateExpression('size(record.city)', scope)).toBe(5);
    expect(expressionHolds('record.amount >= 1000 && before.amount < 1000', scope)).toBe(true);
    expect(expressionHolds('"ویژه" in record.tags', scope)).toBe(true);
    expect(evaluateExpression('"مرحبا " + record.name', { record: { name: 'محمد' } })).toBe('مرحبا محمد');
  });

  it('renders merge fields and leaves other text alone', () => {
    expect(renderTemplate('سلام {{ record.name }}، مبلغ {{ record.amount }}', scope)).toBe(
      'سلام علی رضایی، مبلغ 5000',
    );
  });

  it('sees only its variables and refuses long, deep or broken expressions', () => {
    expect(() => evaluateExpression('process.env', scope)).toThrow(/could not be evaluated/);
    expect(() => compileExpression('record.a +')).toThrow(/does not compile/);
    expect(() => compileExpression(`"${'x'.repeat(2001)}"`)).toThrow(/longer than 2000/);
    expect(() => compileExpression('1' + ' + 1'.repeat(300))).toThrow(/does not compile/);
    expect(() => compileExpression('a\u0000')).toThrow(/NUL/);
    expect(() => expressionHolds('record.amount', scope)).toThrow(/true or false/);
  });
});
