/** A return's states, in their usual order; the last three end it. */
export const RETURN_STATES = [
  'requested',
  'approved',
  'received',
  'inspected',
  'refunded',
  'replaced',
  'rejected',
] as const;

export type ReturnState = (typeof RETURN_STATES)[number];

/**
 * The moves a return may make: approved (or rejected) on request; received once the item arrives (or rejected
 * when it never does); inspected; then refunded, replaced or rejected. Nothing leaves an ending.
 */
export const RETURN_MOVES: Readonly<Record<ReturnState, readonly ReturnState[]>> = {
  requested: ['approved', 'rejected'],
  approved: ['received', 'rejected'],
  received: ['inspected'],
  inspected: ['refunded', 'replaced', 'rejected'],
  refunded: [],
  replaced: [],
  rejected: [],
};

/** Moves that are decisions (they commit the business to a cost or refuse the customer): `service.returns.decide`. */
export const DECISIONS: ReadonlySet<ReturnState> = new Set(['approved', 'refunded', 'replaced', 'rejected']);

/** Approved, the item not yet received: the ticket's SLA clocks are held (paused) meanwhile. */
export const AWAITING_ITEM: ReturnState = 'approved';

/** Lines are the customer's request: they change only while it is requested. */
export const LINES_OPEN: ReturnState = 'requested';

export function isEnding(state: ReturnState): boolean {
  return RETURN_MOVES[state].length === 0;
}
