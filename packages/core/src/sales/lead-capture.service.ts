import type { Tx } from '@rabita/db';
import { type Principal, servicePrincipal } from '../auth/principal.ts';
import { loadObject } from '../metadata/metadata.service.ts';
import { createRecordIn } from '../records/create-record.ts';
import { readRecords } from '../records/gate.ts';
import { recordsHoldingValues } from '../records/match-records.ts';
import { workspaceSettings } from '../records/scope.ts';
import { readPhone } from '../records/values.ts';
import type { WriteOrigin } from '../records/write-steps.ts';
import { CLOSED_LEAD_STATUSES } from './assignment-capacity.ts';
import { lockContactKeys } from './lead-capture.repository.ts';

// Lead capture for every channel that is not a form: the email intake (lead-mail.service.ts), and the contact
// centre's calls to come. A channel hands over a contact; the lead is made through the record engine (so its
// assignment, score, audit, search and events apply as for any lead) unless the contact already has an open one.

/** A lead with one of these statuses is done with: a contact who has only such leads is captured anew. */
const CLOSED_STATUSES: ReadonlySet<string> = new Set(CLOSED_LEAD_STATUSES);

/** Someone a channel met, as it knows them. */
export interface LeadContact {
  /** The full name (a mail's display name, a caller's name); the address's local part or the number when absent. */
  name?: string | undefined;
  email?: string | undefined;
  /** In any written form (spaces, local digits, a 00 prefix): compared and stored as E.164. */
  phone?: string | undefined;
  /** The company they named (the lead's `companyName`). */
  company?: string | undefined;
  /** Where the lead came from, as its `source` shows it: `email`, `phone`, or a channel's own words. */
  source: string;
  /** The first note on a new lead (what they wrote or said), as an activity of type `note` linked to it. */
  note?: { subject?: string | undefined; body: string; at?: Date | undefined } | undefined;
}

/** The lead a contact was captured as, and whether this capture made it. */
export interface CapturedLead {
  id: string;
  created: boolean;
}

/**
 * Reads every lead, whatever the capturing caller's role: a rep who may see only their own leads must not make a
 * second lead of someone already another rep's.
 */
function everyLead(workspaceId: string): Principal {
  return servicePrincipal(workspaceId, {
    id: '00000000-0000-0000-0000-000000000000',
    key: 'leadCapture',
    name: 'Lead capture',
    permissions: {
      actions: [],
      objects: { leads: { read: true, create: false, update: false, delete: false } },
    },
  });
}

/** The contact's address lower-cased and number in E.164 (read with the workspace's default country). */
async function contactKeys(
  trx: Tx,
  workspaceId: string,
  contact: Pick<LeadContact, 'email' | 'phone'>,
): Promise<{ email: string | undefined; phone: string | undefined }> {
  const email = contact.email?.trim().toLowerCase() || undefined;
  const raw = contact.phone?.trim();
  const phone = raw
    ? readPhone(raw, (await workspaceSettings(trx, workspaceId)).defaultCountry)?.e164
    : undefined;
  return { email, phone };
}

async function openLeadByKeys(
  trx: Tx,
  workspaceId: string,
  keys: { email: string | undefined; phone: string | undefined },
): Promise<string | undefined> {
  if (!keys.email && !keys.phone) return undefined;
  const reader = everyLead(workspaceId);
  const leads = await loadObject(trx, workspaceId, 'leads');
  const byEmail = keys.email
    ? ((await recordsHoldingValues(trx, reader, leads, 'email', [keys.email])).get(keys.email) ?? [])
    : [];
  const byPhone = keys.phone
    ? ((await recordsHoldingValues(trx, reader, leads, 'phone', [keys.phone])).get(keys.phone) ?? [])
    : [];
  // Ids are time-ordered: the oldest lead first, those found by address before those found by number.
  const ids = [...new Set([...byEmail.sort(), ...byPhone.sort()])];
  if (ids.length === 0) return undefined;
  const seen = await readRecords(trx, reader, 'leads', ids, { fields: ['status'] });
  return ids.find((id) => {
    const status = seen.get(id)?.status;
    return typeof status === 'string' && !CLOSED_STATUSES.has(status);
  });
}

/**
 * The workspace's open lead (not converted, not disqualified) with the contact's email (case-insensitively) or
 * phone (in any written form): the oldest, one found by email first. Found whatever the caller's role shows.
 */
export async function findOpenLead(
  trx: Tx,
  workspaceId: string,
  contact: Pick<LeadContact, 'email' | 'phone'>,
): Promise<string | undefined> {
  return openLeadByKeys(trx, workspaceId, await contactKeys(trx, workspaceId, contact));
}

/**
 * Makes a lead of a contact a channel met (an email, a call), as `principal`, inside the caller's transaction: its
 * open lead when it has one (by email or phone, see `findOpenLead`; nothing is written then), else a new lead
 * through the record engine — so assignment rules, scoring, audit, search and events apply — with the note as its
 * first activity. Two captures of one contact at once make one lead: the second waits for the first and finds it.
 * The principal needs to create leads (and activities, for a note); a value the lead refuses (a malformed address
 * or number) is a `validation_failed` naming the lead's field.
 */
export async function captureLead(
  trx: Tx,
  principal: Principal,
  contact: LeadContact,
  origin?: WriteOrigin,
): Promise<CapturedLead> {
  const workspaceId = principal.workspaceId;
  const keys = await contactKeys(trx, workspaceId, contact);
  await lockContactKeys(
    trx,
    workspaceId,
    [keys.email && `email:${keys.email}`, keys.phone && `phone:${keys.phone}`].filter((k): k is string =>
      Boolean(k),
    ),
  );
  const open = await openLeadByKeys(trx, workspaceId, keys);
  if (open) return { id: open, created: false };
  const email = contact.email?.trim();
  const phone = contact.phone?.trim();
  const company = contact.company?.trim();
  const name = contact.name?.trim() || email?.split('@')[0] || phone || '…';
  const lead = await createRecordIn(
    trx,
    principal,
    'leads',
    {
      name: name.slice(0, 300),
      ...(email ? { email } : {}),
      ...(phone ? { phone } : {}),
      ...(company ? { companyName: company.slice(0, 300) } : {}),
      source: contact.source.slice(0, 200),
    },
    origin,
  );
  const id = String(lead.id);
  const note = contact.note;
  if (note?.body.trim() || note?.subject?.trim())
    await createRecordIn(
      trx,
      principal,
      'activities',
      {
        type: 'note',
        ...(note.subject?.trim() ? { subject: note.subject.trim().slice(0, 500) } : {}),
        body: note.body.slice(0, 100_000),
        occurredAt: (note.at ?? new Date()).toISOString(),
        leads: [id],
        // The rep the lead was assigned to holds its note too (a role that reads only its own records sees it).
        ...(typeof lead.owner === 'string' ? { owner: lead.owner } : {}),
      },
      origin,
    );
  return { id, created: true };
}
