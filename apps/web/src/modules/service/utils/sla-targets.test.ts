import { describe, expect, it } from 'vitest';
import { toHoursMinutes, toMinutes } from './sla-targets.ts';

describe('SLA targets in hours and minutes', () => {
  it('splits stored minutes into hours and minutes and joins them back', () => {
    expect(toHoursMinutes(150)).toEqual({ hours: 2, minutes: 30 });
    expect(toMinutes({ hours: 2, minutes: 30 })).toBe(150);
    expect(toMinutes(toHoursMinutes(0))).toBe(0);
  });

  it('keeps a target not set as none, and an hour alone as whole hours', () => {
    expect(toHoursMinutes(undefined)).toEqual({ hours: '', minutes: '' });
    expect(toMinutes({ hours: '', minutes: '' })).toBeUndefined();
    expect(toMinutes({ hours: 8, minutes: '' })).toBe(480);
    expect(toMinutes({ hours: '', minutes: 45 })).toBe(45);
  });
});
