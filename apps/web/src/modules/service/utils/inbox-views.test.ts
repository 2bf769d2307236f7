import { describe, expect, it } from 'vitest';
import { BREACHING_WITHIN_MS, moveSelection, teamMembersOf, viewFilter } from './inbox-views.ts';

const me = '01a242c7-3700-73d8-b4be-24f4fa179f72';
const ali = '01a242c7-3707-71d1-83d2-34a355fac08e';
const zahra = '01a242c7-3707-71d1-83d2-34a355fac0ff';
const notDone = { field: 'status', op: 'nin', value: ['resolved', 'closed'] };

describe('inbox views', () => {
  it('says mine as the caller’s open tickets and unassigned as open tickets without an assignee', () => {
    const viewer = { userId: me, teamMembers: [] };
    expect(viewFilter('mine', viewer, 0)).toEqual({
      and: [{ field: 'owner', op: 'eq', value: me }, notDone],
    });
    expect(viewFilter('unassigned', viewer, 0)).toEqual({ and: [{ field: 'owner', op: 'isNull' }, notDone] });
    expect(viewFilter('open', viewer, 0)).toEqual(notDone);
    expect(viewFilter('pending', viewer, 0)).toEqual({
      field: 'status',
      op: 'in',
      value: ['pending_customer', 'pending_third_party', 'on_hold'],
    });
  });

  it('leaves out my team’s view for someone in no team, and names every teammate otherwise', () => {
    expect(viewFilter('team', { userId: me, teamMembers: [] }, 0)).toBeNull();
    const teams = [{ members: [me, ali] }, { members: [zahra] }, { members: [ali, me] }];
    const members = teamMembersOf(me, teams);
    expect(members).toEqual([me, ali].sort());
    expect(viewFilter('team', { userId: me, teamMembers: members }, 0)).toEqual({
      and: [{ field: 'owner', op: 'in', value: members }, notDone],
    });
  });

  it('counts as breaching soon a deadline within the hour from now, or a warning or breach, never a paused one', () => {
    const now = Date.parse('2026-03-21T08:00:00Z');
    const tree = viewFilter('breaching', { userId: me, teamMembers: [] }, now) as { and: unknown[] };
    expect(tree.and).toContainEqual({ field: 'slaStatus', op: 'neq', value: 'paused' });
    expect(tree.and).toContainEqual({
      or: [
        { field: 'slaDueAt', op: 'lte', value: new Date(now + BREACHING_WITHIN_MS).toISOString() },
        { field: 'slaStatus', op: 'in', value: ['warning', 'breached'] },
      ],
    });
    expect(new Date(now + BREACHING_WITHIN_MS).toISOString()).toBe('2026-03-21T09:00:00.000Z');
  });

  it('moves the selection within the list: the first row when none is selected, never past either end', () => {
    expect(moveSelection(null, 1, 3)).toBe(0);
    expect(moveSelection(null, -1, 3)).toBe(0);
    expect(moveSelection(0, 1, 3)).toBe(1);
    expect(moveSelection(2, 1, 3)).toBe(2);
    expect(moveSelection(0, -1, 3)).toBe(0);
    expect(moveSelection(null, 1, 0)).toBeNull();
  });
});
