// The failpoint setting: names with an optional nth hit, clear errors for anything else, and a kill only at the
// armed hit of an armed point (counted per point).
import { afterEach, describe, expect, it } from 'vitest';
import { armFailpoints, failpoint, failpointsArmed, parseFailpoints } from './failpoints.ts';

describe('parseFailpoints', () => {
  it('reads names, each optionally with the hit that kills', () => {
    expect([...parseFailpoints('after-step-claim, before-effect-commit:3,mid-resume:1')]).toEqual([
      ['after-step-claim', 1],
      ['before-effect-commit', 3],
      ['mid-resume', 1],
    ]);
    expect(parseFailpoints(undefined).size).toBe(0);
    expect(parseFailpoints(' , ').size).toBe(0);
  });

  it('refuses unknown names and counts that are not whole numbers from 1, naming them', () => {
    expect(() => parseFailpoints('after-step-clam')).toThrow(/"after-step-clam" is not a failpoint/);
    expect(() => parseFailpoints('mid-resume:0')).toThrow(/"mid-resume:0" must be/);
    expect(() => parseFailpoints('mid-resume:1.5')).toThrow(/"mid-resume:1.5" must be/);
    expect(() => parseFailpoints('mid-resume:x')).toThrow(/"mid-resume:x" must be/);
    expect(() => parseFailpoints('mid-resume:2:3')).toThrow(/must be/);
  });
});

describe('failpoint', () => {
  afterEach(() => armFailpoints(undefined));

  it('does nothing when none is armed', () => {
    const kills: string[] = [];
    armFailpoints('', () => kills.push('killed'));
    expect(failpointsArmed()).toBe(false);
    failpoint('after-step-claim');
    expect(kills).toEqual([]);
  });

  it('kills at the nth hit of its own point only', () => {
    let kills = 0;
    armFailpoints('before-effect-commit:3', () => {
      kills += 1;
    });
    expect(failpointsArmed()).toBe(true);
    failpoint('after-step-claim');
    failpoint('before-effect-commit');
    failpoint('before-effect-commit');
    expect(kills).toBe(0);
    failpoint('before-effect-commit');
    expect(kills).toBe(1);
    failpoint('before-effect-commit');
    expect(kills).toBe(1);
  });
});
