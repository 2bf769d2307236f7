import type { Tx } from '@rabita/db';
import type { Principal } from '../auth/principal.ts';
import { hiddenFor, ownerLimit, ruleFor } from '../records/access.ts';
import { contactVerdicts, type RecordContact } from './contact-resolution.repository.ts';
import { REPEAT_DAYS } from './metrics.service.ts';

// First-contact resolution for contacts the desk did not take itself (the contact centre's calls), by the desk's
// own definition: a ticket opened from the contact is judged as the desk's system measure judges it, and a contact
// without one by whether its record came back with a new ticket within the same window.

/** A contact to judge: the tickets opened from it, or the record that would come back. */
export interface ContactToJudge {
  /** The caller's name for it (a call's id). */
  key: string;
  /** Tickets opened from the contact: it was resolved at first contact when each of them was. */
  ticketIds: readonly string[];
  /** Without tickets: the person or company whose new ticket within the window would be a repeat. */
  record: { object: 'people' | 'companies'; id: string } | null;
  /** When the contact ended (the window starts then). */
  endedAt: string;
}

/** The desk's verdicts: tickets resolved at first contact, and contacts whose record opened a ticket since. */
export interface ContactVerdicts {
  repeatDays: number;
  ticketsAtFirstContact: ReadonlySet<string>;
  contactsWithNewTicket: ReadonlySet<string>;
}

/** The ticket fields a verdict is made of: a reader who may not see one of them gets none. */
const READ_FIELDS = ['status', 'resolvedAt', 'reopenCount', 'requester', 'company', 'createdAt'];

/**
 * Judges contacts by the desk's first-contact definition, in the caller's transaction, in one statement (none when
 * there is nothing to judge). Null when the reader may not read every ticket or one of the fields the verdicts are
 * made of: a share made of tickets they may not see would tell them of those tickets.
 */
export async function judgeFirstContacts(
  trx: Tx,
  reader: Principal,
  workspaceId: string,
  contacts: readonly ContactToJudge[],
): Promise<ContactVerdicts | null> {
  const rule = ruleFor(reader, 'tickets');
  const hidden = hiddenFor(reader);
  if (!rule.read || ownerLimit(reader, rule) !== undefined || READ_FIELDS.some((f) => hidden('tickets', f)))
    return null;
  const ticketIds = [...new Set(contacts.flatMap((c) => c.ticketIds))];
  const byRecord: RecordContact[] = contacts.flatMap((c) =>
    c.ticketIds.length === 0 && c.record
      ? [{ key: c.key, object: c.record.object, recordId: c.record.id, after: c.endedAt }]
      : [],
  );
  const rows =
    ticketIds.length + byRecord.length === 0
      ? []
      : await contactVerdicts(trx, workspaceId, { ticketIds, contacts: byRecord, repeatDays: REPEAT_DAYS });
  return {
    repeatDays: REPEAT_DAYS,
    ticketsAtFirstContact: new Set(rows.filter((r) => r.kind === 'ticket').map((r) => r.key)),
    contactsWithNewTicket: new Set(rows.filter((r) => r.kind === 'repeat').map((r) => r.key)),
  };
}
