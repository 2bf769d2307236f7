import type { Tx } from '@rabita/db';
import type { Principal } from '../auth/principal.ts';
import { readRecords } from '../records/gate.ts';
import {
  type MessageSummaryRow,
  selectMailboxVisibility,
  selectMessageLinks,
  selectReadableMailboxIds,
} from './email.repository.ts';

/** How much of a message a reader sees: all of it, its subject and people, or only who and when. */
export type Access = 'full' | 'subject' | 'metadata';

const RANK: Record<string, number> = { metadata: 1, subject: 2, everything: 3 };

/**
 * What the reader may see of each message: all of a message in a mailbox they read (their own, or a shared one
 * they were given) or one they sent; otherwise, when they may read a record it is linked to (the record engine's
 * gate decides), what its mailbox shows to others (everything, subject, or only metadata). A message absent
 * from the answer is not theirs to see at all.
 */
export async function messageAccess(
  trx: Tx,
  reader: Principal,
  messages: readonly Pick<MessageSummaryRow, 'id' | 'mailbox_ids' | 'sent_by_user_id'>[],
): Promise<Map<string, Access>> {
  const out = new Map<string, Access>();
  if (messages.length === 0) return out;
  const own = await selectReadableMailboxIds(trx, reader.workspaceId, reader.userId);
  const rest = messages.filter((m) => {
    if ((reader.userId && m.sent_by_user_id === reader.userId) || m.mailbox_ids.some((id) => own.has(id))) {
      out.set(m.id, 'full');
      return false;
    }
    return true;
  });
  if (rest.length === 0) return out;
  const links = await selectMessageLinks(
    trx,
    reader.workspaceId,
    rest.map((m) => m.id),
  );
  const byObject = new Map<string, Set<string>>();
  for (const l of links) {
    if (l.how === 'suggested') continue;
    const ids = byObject.get(l.object_key) ?? new Set<string>();
    ids.add(l.record_id);
    byObject.set(l.object_key, ids);
  }
  const seen = new Set<string>();
  for (const [object, ids] of byObject) {
    const found = await readRecords(trx, reader, object, [...ids], { fields: ['id'] });
    for (const id of found.keys()) seen.add(`${object}:${id}`);
  }
  const visibility = await selectMailboxVisibility(trx, reader.workspaceId);
  for (const m of rest) {
    const reachable = links.some(
      (l) => l.message_id === m.id && l.how !== 'suggested' && seen.has(`${l.object_key}:${l.record_id}`),
    );
    if (!reachable) continue;
    const best = Math.max(0, ...m.mailbox_ids.map((id) => RANK[visibility.get(id) ?? 'metadata'] ?? 1));
    out.set(m.id, best >= 3 ? 'full' : best === 2 ? 'subject' : 'metadata');
  }
  return out;
}
