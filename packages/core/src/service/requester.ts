import type { Tx } from '@rabita/db';
import type { Principal } from '../auth/principal.ts';
import { loadObject } from '../metadata/metadata.service.ts';
import { createRecordIn } from '../records/create-record.ts';
import { matchRecords } from '../records/match-records.ts';
import { splitPersonName } from '../records/person-name.ts';
import type { WriteOrigin } from '../records/write-steps.ts';

export interface RequesterContact {
  email: string;
  /** The full name given (a form's name box, a mail's display name); the address's local part when missing. */
  name?: string | undefined;
  phone?: string | undefined;
}

/**
 * The person a ticket is asked by: found among people by email (case-insensitively, as the principal may read
 * them), or made with the name, email and phone given. Every intake (mail, web form) finds its requester here.
 */
export async function findOrAddRequester(
  trx: Tx,
  principal: Principal,
  contact: RequesterContact,
  origin: WriteOrigin,
): Promise<string> {
  const email = contact.email.toLowerCase();
  const people = await loadObject(trx, principal.workspaceId, 'people');
  const found = (await matchRecords(trx, principal, people, 'emails', [email])).get(email);
  if (found) return found;
  const name = (contact.name?.trim() || contact.email.split('@')[0] || '').slice(0, 200);
  const person = await createRecordIn(
    trx,
    principal,
    'people',
    {
      ...splitPersonName(name),
      emails: [contact.email],
      ...(contact.phone ? { phones: [contact.phone] } : {}),
    },
    origin,
  );
  return String(person.id);
}
