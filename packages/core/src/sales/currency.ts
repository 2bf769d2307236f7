import { AppError, type FieldProblem } from '../errors/app-error.ts';

// Exact decimals as the API takes them: strings (or numbers small enough to be exact), checked before PostgreSQL
// sees them so a bad value is a 400 naming the field, never a database error.

const CURRENCY = /^[A-Z]{3}$/;
const DATE = /^\d{4}-\d{2}-\d{2}$/;

/** A decimal as text: up to `int` digits before the point and `frac` after, optionally negative. */
export function decimal(
  value: unknown,
  field: string,
  problems: FieldProblem[],
  limits: { int: number; frac: number; min?: 'positive' | 'nonNegative'; max?: number },
): string | undefined {
  const text = typeof value === 'number' && Number.isFinite(value) ? String(value) : value;
  if (typeof text !== 'string' || !/^-?\d+(\.\d+)?$/.test(text)) {
    problems.push({ field, message: 'Give a decimal number such as "12.50".' });
    return undefined;
  }
  const [whole = '', frac = ''] = text.replace(/^-/, '').split('.');
  const digits = whole.replace(/^0+(?=\d)/, '');
  if (digits.length > limits.int || frac.length > limits.frac) {
    problems.push({
      field,
      message: `Give at most ${limits.int} digits before the point and ${limits.frac} after it.`,
    });
    return undefined;
  }
  const negative = text.startsWith('-') && /[1-9]/.test(text);
  const zero = !/[1-9]/.test(text);
  if (limits.min === 'positive' && (negative || zero)) {
    problems.push({ field, message: 'Must be more than zero.' });
    return undefined;
  }
  if (limits.min === 'nonNegative' && negative) {
    problems.push({ field, message: 'Must not be negative.' });
    return undefined;
  }
  if (limits.max !== undefined && !negative && Number(text) > limits.max) {
    problems.push({ field, message: `Must be at most ${limits.max}.` });
    return undefined;
  }
  return `${negative ? '-' : ''}${digits}${frac ? `.${frac}` : ''}`;
}

/** An ISO 4217 code in capitals. */
export function currencyCode(value: unknown, field: string, problems: FieldProblem[]): string | undefined {
  if (typeof value === 'string' && CURRENCY.test(value)) return value;
  problems.push({ field, message: 'Give a three-letter currency code in capitals, such as "SAR".' });
  return undefined;
}

/** A calendar date `YYYY-MM-DD` that exists. */
export function calendarDate(value: unknown, field: string, problems: FieldProblem[]): string | undefined {
  if (typeof value === 'string' && DATE.test(value)) {
    const d = new Date(`${value}T00:00:00Z`);
    if (!Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === value) return value;
  }
  problems.push({ field, message: 'Give a date as YYYY-MM-DD.' });
  return undefined;
}

/** Throws the problems as one 400, when there are any. */
export function refuse(problems: FieldProblem[]): void {
  if (problems.length > 0)
    throw new AppError('validation_failed', problems.map((p) => `${p.field}: ${p.message}`).join(' '), {
      errors: problems,
    });
}

/** A numeric from PostgreSQL as the API shows it: its text without trailing zeros after the point. */
export function decimalText(value: unknown): string {
  const text = String(value);
  return text.includes('.') ? text.replace(/0+$/, '').replace(/\.$/, '') : text;
}
