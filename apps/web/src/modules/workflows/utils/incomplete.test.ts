import { describe, expect, it } from 'vitest';
import { missingInTrigger } from './incomplete.ts';

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
