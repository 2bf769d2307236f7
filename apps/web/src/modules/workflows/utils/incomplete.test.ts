import { describe, expect, it } from 'vitest';
import { missingInStep, missingInTrigger } from './incomplete.ts';

describe('an unfinished date-relative trigger', () => {
  const base = {
    type: 'date',
    object: 'deals',
    field: 'expectedCloseDate',
    offset: -3,
    unit: 'days',
  } as const;

  it('names the date field until one is chosen', () => {
    expect(missingInTrigger({ ...base, field: '' })).toEqual(['field']);
    expect(missingInTrigger({ ...base, object: '' })).toEqual(['object']);
  });

  it('names a time of day that is not HH:MM, and accepts a finished one', () => {
    expect(missingInTrigger({ ...base, at: '9' })).toEqual(['at']);
    expect(missingInTrigger({ ...base, at: '24:00' })).toEqual(['at']);
    expect(missingInTrigger({ ...base, at: '09:00', businessDays: true, timeZone: 'Asia/Tehran' })).toEqual(
      [],
    );
    expect(missingInTrigger(base)).toEqual([]);
  });
});

describe('an unfinished switch', () => {
  const base = {
    id: 'sw',
    type: 'switch',
    value: { expr: 'record.status' },
    cases: [
      { equals: 'won', next: null },
      { equals: 2, next: null },
      { equals: '2', next: null },
      { equals: false, next: null },
    ],
    otherwise: null,
  } as const;

  it('needs nothing once its value and distinct cases are filled in (the text "2" is not the number 2)', () => {
    expect(missingInStep({ ...base, cases: [...base.cases] })).toEqual([]);
  });

  it('names a blank value, a blank text case and two equal cases', () => {
    expect(missingInStep({ ...base, cases: [...base.cases], value: { expr: '  ' } })).toEqual(['value']);
    expect(missingInStep({ ...base, cases: [...base.cases, { equals: '', next: null }] })).toEqual(['cases']);
    expect(missingInStep({ ...base, cases: [...base.cases, { equals: 2, next: 'x' }] })).toEqual(['cases']);
  });
});
