/** The inbox's views, in the order of their tabs. */
export const INBOX_VIEWS = ['mine', 'team', 'unassigned', 'breaching', 'pending', 'open'] as const;
export type InboxView = (typeof INBOX_VIEWS)[number];

/** Statuses in which a ticket is done; every view shows only the others. */
export const DONE_STATUSES = ['resolved', 'closed'] as const;
/** Statuses in which a ticket waits on someone other than the agent. */
export const PENDING_STATUSES = ['pending_customer', 'pending_third_party', 'on_hold'] as const;
/**
 * The inbox's orders as the list API's `sort`. Time left to breach, then age: what an agent should pick up next
 * comes first (no deadline last). Priority (urgent first: a select sorts by its options' order, low to urgent, so
 * descending), then time left. Each is served by indexes of its own (service-0010/0016, service-0018).
 */
export const INBOX_ORDERS = {
  timeLeft: 'slaDueAt,createdAt',
  priority: '-priority,slaDueAt,createdAt,id',
} as const;
export type InboxOrder = keyof typeof INBOX_ORDERS;
/** The default order. */
export const INBOX_SORT = INBOX_ORDERS.timeLeft;
/** "Breaching soon": a deadline within this long. */
export const BREACHING_WITHIN_MS = 60 * 60_000;

/** Who is asking, and the people of the teams they belong to ("my team's"). */
export interface InboxViewer {
  userId: string;
  teamMembers: readonly string[];
}

const notDone = { field: 'status', op: 'nin', value: [...DONE_STATUSES] };

/**
 * The list API's filter tree of a view for this viewer, at `now` (the breaching view's hour runs from it); null
 * when the view does not apply (no team to speak of).
 */
export function viewFilter(view: InboxView, viewer: InboxViewer, now: number): unknown | null {
  switch (view) {
    case 'mine':
      return { and: [{ field: 'owner', op: 'eq', value: viewer.userId }, notDone] };
    case 'team':
      return viewer.teamMembers.length > 0
        ? { and: [{ field: 'owner', op: 'in', value: [...viewer.teamMembers] }, notDone] }
        : null;
    case 'unassigned':
      return { and: [{ field: 'owner', op: 'isNull' }, notDone] };
    case 'breaching':
      return {
        and: [
          notDone,
          { field: 'slaStatus', op: 'neq', value: 'paused' },
          {
            or: [
              { field: 'slaDueAt', op: 'lte', value: new Date(now + BREACHING_WITHIN_MS).toISOString() },
              { field: 'slaStatus', op: 'in', value: ['warning', 'breached'] },
            ],
          },
        ],
      };
    case 'pending':
      return { field: 'status', op: 'in', value: [...PENDING_STATUSES] };
    case 'open':
      return notDone;
  }
}

/** The people of every team the viewer belongs to, the viewer included (none when they are in no team). */
export function teamMembersOf(userId: string, teams: readonly { members: readonly string[] }[]): string[] {
  const members = new Set<string>();
  for (const team of teams) if (team.members.includes(userId)) for (const m of team.members) members.add(m);
  return [...members].sort();
}

/** The row after or before `index` (j and k), staying within the list; the first row when none is selected. */
export function moveSelection(index: number | null, by: 1 | -1, length: number): number | null {
  if (length === 0) return null;
  if (index === null) return 0;
  return Math.min(length - 1, Math.max(0, index + by));
}
