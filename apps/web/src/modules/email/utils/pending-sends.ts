import { ApiError } from '../../../api/client.ts';

/** How long a sent message waits in the outbox, to be undone. */
export const UNDO_SECONDS = 10;
/** How long a notice stays once the send was undone (or could not be). */
const AFTERWORD_MS = 6_000;

/** A send waiting in the outbox, shown with an Undo button until it goes (or its notice's time is up). */
export interface PendingSend {
  /** The outbox entry's id. */
  id: string;
  subject: string;
  /** When the Undo button goes away (epoch ms). */
  until: number;
  /** The instant a "send later" message goes; null for a send that only waits to be undone. */
  scheduledFor: string | null;
  state: 'waiting' | 'undoing' | 'undone' | 'late' | 'failed';
  error: string | null;
  /** Called once the send is undone: the composer opens again with the message. */
  onUndone?: (() => void) | undefined;
  /** Called once the undo time is over (what shows the sent message refreshes). */
  onGone?: (() => void) | undefined;
}

type Listener = () => void;
let items: readonly PendingSend[] = [];
const listeners = new Set<Listener>();
const timers = new Map<string, ReturnType<typeof setTimeout>>();

function publish(next: readonly PendingSend[]): void {
  items = next;
  for (const listener of listeners) listener();
}

function later(id: string, ms: number, fn: () => void): void {
  clearTimeout(timers.get(id));
  timers.set(
    id,
    setTimeout(() => {
      timers.delete(id);
      fn();
    }, ms),
  );
}

/** The sends waiting to be undone, oldest first (a stable array between changes, for useSyncExternalStore). */
export function pendingSends(): readonly PendingSend[] {
  return items;
}

/** Calls `listener` on every change; the returned function stops it. */
export function subscribePendingSends(listener: Listener): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

function update(id: string, patch: Partial<PendingSend>): void {
  publish(items.map((p) => (p.id === id ? { ...p, ...patch } : p)));
}

/** Forgets a notice (its time is up, or the reader closed it). */
export function dismissPendingSend(id: string): void {
  clearTimeout(timers.get(id));
  timers.delete(id);
  publish(items.filter((p) => p.id !== id));
}

/** Shows a queued send with its Undo button until `until`; then the notice goes and `onGone` runs. */
export function addPendingSend(send: Omit<PendingSend, 'state' | 'error'>, now = Date.now()): void {
  publish([...items.filter((p) => p.id !== send.id), { ...send, state: 'waiting', error: null }]);
  later(send.id, Math.max(0, send.until - now), () => {
    const current = items.find((p) => p.id === send.id);
    if (current?.state !== 'waiting') return;
    dismissPendingSend(send.id);
    current.onGone?.();
  });
}

/**
 * Undoes a queued send through `cancel` (the outbox's DELETE): undone, it says so and the composer opens again; a
 * message the server already took (409) is said to be sent; any other failure keeps its reason.
 */
export async function undoPendingSend(id: string, cancel: (id: string) => Promise<unknown>): Promise<void> {
  const send = items.find((p) => p.id === id);
  if (send?.state !== 'waiting') return;
  update(id, { state: 'undoing' });
  try {
    await cancel(id);
    update(id, { state: 'undone' });
    send.onUndone?.();
  } catch (error) {
    const late = error instanceof ApiError && error.status === 409;
    update(id, {
      state: late ? 'late' : 'failed',
      error: late ? null : error instanceof Error ? error.message : String(error),
    });
    // Sent, or most likely going: what shows the message refreshes.
    send.onGone?.();
  }
  later(id, AFTERWORD_MS, () => dismissPendingSend(id));
}
