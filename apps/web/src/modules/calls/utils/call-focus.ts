import type { CallCardData } from './call-card-api.ts';

// The record page focused on a call (`/o/<object>/<id>?call=<callId>`, the card's name link) shows the call's
// timeline entry highlighted with the wrap-up under it. While that entry is on screen the call's card shrinks to its
// heading, so it neither covers the entry nor offers a second wrap-up form.

/** What the agent has entered in a call's wrap-up form and not saved yet: it goes along between the card and the page. */
export interface WrapUpDraft {
  notes: string;
  code: string | null;
  outcome: string | null;
  ticketSubject: string;
  taskTitle: string;
}

const shown = new Map<string, number>();
/** Wrap-up forms' unsaved input, by call: the form that mounts next (card or page) starts from it. */
const drafts = new Map<string, WrapUpDraft>();
const listeners = new Set<() => void>();
const emit = () => {
  for (const l of listeners) l();
};

/** The calls whose focused timeline entry is on the page, kept outside React so the card (elsewhere) can ask. */
export const callFocusStore = {
  subscribe(listener: () => void) {
    listeners.add(listener);
    return () => {
      listeners.delete(listener);
    };
  },
  has: (callId: string) => (shown.get(callId) ?? 0) > 0,
  /** Keeps what the call's wrap-up form holds and has not saved, for the next form of the call to start from. */
  keepDraft(callId: string, draft: WrapUpDraft) {
    drafts.set(callId, draft);
  },
  /** The unsaved input kept for the call, if any (kept until `dropDraft`). */
  draft: (callId: string): WrapUpDraft | undefined => drafts.get(callId),
  dropDraft(callId: string) {
    drafts.delete(callId);
  },
  /** The call's focused entry is on the page until the returned function is called. */
  show(callId: string): () => void {
    shown.set(callId, (shown.get(callId) ?? 0) + 1);
    emit();
    let gone = false;
    return () => {
      if (gone) return;
      gone = true;
      const left = (shown.get(callId) ?? 1) - 1;
      if (left > 0) shown.set(callId, left);
      else shown.delete(callId);
      emit();
    };
  },
};

/** Whether the signed-in person takes this call's wrap-up here: its agent, once it was answered, if allowed. */
export function takesWrapUp(card: CallCardData | undefined, myId: string | undefined): card is CallCardData {
  if (!card?.canWrapUp) return false;
  return card.call.answeredAt !== null && card.call.agentUserId === myId;
}
