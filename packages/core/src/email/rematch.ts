import { domainToASCII } from 'node:url';
import type { EventSubscriber } from '../modules/manifest.ts';
import { insertLinks, selectMessagesByAddresses } from './email.repository.ts';
import { normaliseAddress } from './message-parse.ts';

/** The most earlier messages one change of a person's addresses links at once. */
const REMATCH_LIMIT = 5000;

/** An address both as typed and with its domain in punycode, normalised. */
function forms(address: string): string[] {
  const normalised = normaliseAddress(address);
  const at = address.lastIndexOf('@');
  const ascii =
    at > 0 ? `${address.slice(0, at)}@${domainToASCII(address.slice(at + 1))}`.toLowerCase() : undefined;
  return [...new Set([normalised, ascii].filter((a): a is string => Boolean(a)))];
}

/**
 * A person created with, or given, an email address is linked to the mail already stored with that address (up to
 * 5,000 messages a write, newest first), in the writing transaction — so a contact added after the conversation
 * still shows it on their timeline. One lookup for all of a write's people, so an import stays a statement a batch.
 */
export const rematchOnAddressChange: EventSubscriber = {
  name: 'email:rematch-person-addresses',
  phase: 'transaction',
  objects: ['people'],
  kinds: ['created', 'updated'],
  async handle(ctx, events) {
    if (!ctx.trx) return;
    // Every address the write's people gained, then one lookup for all of them (an import writes a thousand at once).
    const gained = new Map<string, string[]>();
    for (const event of events) {
      const change = event.changes.emails;
      if (!change) continue;
      const before = new Set(
        ((change.from as { address?: string }[] | null) ?? []).flatMap((e) =>
          e.address ? forms(e.address) : [],
        ),
      );
      for (const address of ((change.to as { address?: string }[] | null) ?? []).flatMap((e) =>
        e.address ? forms(e.address) : [],
      ))
        if (!before.has(address)) gained.set(address, [...(gained.get(address) ?? []), event.recordId]);
    }
    if (gained.size === 0) return;
    const messages = await selectMessagesByAddresses(
      ctx.trx,
      ctx.workspaceId,
      [...gained.keys()],
      REMATCH_LIMIT,
    );
    await insertLinks(
      ctx.trx,
      ctx.workspaceId,
      messages.flatMap((m) =>
        (gained.get(m.address) ?? []).map((recordId) => ({
          objectKey: 'people',
          recordId,
          messageId: m.message_id,
          threadId: m.thread_id,
          sentAt: m.sent_at,
          how: 'address',
        })),
      ),
    );
  },
};
