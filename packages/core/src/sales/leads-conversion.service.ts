import type { Tx } from '@rabita/db';
import { sql } from 'kysely';
import type { Principal } from '../auth/principal.ts';
import { inWorkspace, type ServiceContext } from '../context.ts';
import { AppError } from '../errors/app-error.ts';
import { ownerLimit, ruleFor } from '../records/access.ts';
import { createRecordIn } from '../records/create-record.ts';
import { assertSeen, type RecordView, readRecords, titleFor } from '../records/gate.ts';
import { listRecords } from '../records/list-records.ts';
import { matchRecordsByFields } from '../records/match-records.ts';
import { splitPersonName } from '../records/person-name.ts';
import { activityTimeline } from '../records/records.timeline.ts';
import { workspaceObjects } from '../records/scope.ts';
import { updateRecordIn } from '../records/update-record.ts';

/** Attach the lead to an existing record, or create one (the lead's values filled in under the fields given). */
export type Target = { create: Record<string, unknown> } | { attachTo: string };

export interface ConvertInput {
  person?: Target | undefined;
  company?: Target | undefined;
  deal?: { create: Record<string, unknown> } | undefined;
}

export interface Conversion {
  leadId: string;
  person: { id: string; created: boolean } | null;
  company: { id: string; created: boolean } | null;
  deal: { id: string; created: boolean } | null;
  convertedAt: string;
}

export interface Match {
  id: string;
  title: string | null;
  /** What matched: `email`, `phone`, `domain`, `name`. */
  by: string[];
}

const FREE_MAIL = new Set([
  'gmail.com',
  'yahoo.com',
  'hotmail.com',
  'outlook.com',
  'live.com',
  'icloud.com',
  'aol.com',
  'mail.ru',
  'yandex.com',
  'proton.me',
  'protonmail.com',
]);

const isEmpty = (v: unknown) =>
  v === null || v === undefined || v === '' || (Array.isArray(v) && v.length === 0);

const leadEmail = (lead: RecordView) => (typeof lead.email === 'string' ? lead.email : undefined);
const leadPhone = (lead: RecordView) => (lead.phone as { e164?: string } | null | undefined)?.e164;
const emailDomain = (email: string | undefined) => {
  const domain = email?.split('@')[1]?.toLowerCase();
  return domain && !FREE_MAIL.has(domain) ? domain : undefined;
};

/** The values a new (or an empty field of an existing) person takes from the lead. */
function personFromLead(lead: RecordView): Record<string, unknown> {
  const email = leadEmail(lead);
  const phone = leadPhone(lead);
  return {
    ...splitPersonName(String(lead.name ?? '')),
    ...(email ? { emails: [{ address: email, primary: true }] } : {}),
    ...(phone ? { phones: [{ number: phone, primary: true }] } : {}),
    ...(typeof lead.source === 'string' && lead.source ? { source: lead.source } : {}),
  };
}

function companyFromLead(lead: RecordView): Record<string, unknown> {
  const domain = emailDomain(leadEmail(lead));
  return {
    ...(typeof lead.companyName === 'string' && lead.companyName ? { name: lead.companyName } : {}),
    ...(domain ? { domains: [domain] } : {}),
  };
}

/** A list the caller may not read (or whose name field is hidden from them) matches nothing; other errors stand. */
function unreadable(error: unknown): { data: RecordView[] } {
  if (error instanceof AppError && (error.code === 'forbidden' || error.code === 'validation_failed'))
    return { data: [] };
  throw error;
}

async function readLead(trx: Tx, principal: Principal, leadId: string): Promise<RecordView> {
  const lead = (await readRecords(trx, principal, 'leads', [leadId])).get(leadId);
  assertSeen(Boolean(lead), 'leads', leadId);
  return lead!;
}

/**
 * The people and companies a lead may become, found through the record engine as the caller may see them:
 * people by email, by phone in any written form (E.164) and by folded name (Arabic and Persian spellings alike);
 * companies by the web domain of the lead's email, by phone and by folded name.
 */
export async function conversionMatches(
  ctx: ServiceContext,
  leadId: string,
): Promise<{ people: Match[]; companies: Match[] }> {
  const lead = await inWorkspace(ctx, (trx) => readLead(trx, ctx.principal, leadId));
  const email = leadEmail(lead);
  const phone = leadPhone(lead);
  const domain = emailDomain(email);
  const found = { people: new Map<string, Set<string>>(), companies: new Map<string, Set<string>>() };
  const add = (kind: 'people' | 'companies', id: string, by: string) => {
    const set = found[kind].get(id) ?? new Set<string>();
    set.add(by);
    found[kind].set(id, set);
  };
  const titles = await inWorkspace(ctx, async (trx, ws) => {
    const objects = await workspaceObjects(trx, ws);
    const people = objects.find((o) => o.key === 'people')!;
    const companies = objects.find((o) => o.key === 'companies')!;
    const [byEmail, byPhone] = await matchRecordsByFields(trx, ctx.principal, people, [
      { fieldKey: 'emails', values: email ? [email] : [] },
      { fieldKey: 'phones', values: phone ? [phone] : [] },
    ]);
    for (const id of byEmail!.values()) add('people', id, 'email');
    for (const id of byPhone!.values()) add('people', id, 'phone');
    const [byDomain, byCompanyPhone] = await matchRecordsByFields(trx, ctx.principal, companies, [
      { fieldKey: 'domains', values: domain ? [domain] : [] },
      { fieldKey: 'phones', values: phone ? [phone] : [] },
    ]);
    for (const id of byDomain!.values()) add('companies', id, 'domain');
    for (const id of byCompanyPhone!.values()) add('companies', id, 'phone');
    return { people, companies };
  });
  // Names compare folded (the list filter folds ي/ی, ك/ک, tashkeel, digits) through the record engine's lists.
  const name = splitPersonName(String(lead.name ?? ''));
  const nameFilter = name.lastName
    ? {
        and: [
          { field: 'firstName', op: 'eq', value: name.firstName },
          { field: 'lastName', op: 'eq', value: name.lastName },
        ],
      }
    : { field: 'firstName', op: 'eq', value: name.firstName };
  const byName = await listRecords(ctx, 'people', { filter: nameFilter, limit: 20 }).catch(unreadable);
  for (const p of byName.data) add('people', p.id, 'name');
  if (typeof lead.companyName === 'string' && lead.companyName.trim()) {
    const filter = { field: 'name', op: 'eq', value: lead.companyName.trim() };
    const byCompany = await listRecords(ctx, 'companies', { filter, limit: 20 }).catch(unreadable);
    for (const c of byCompany.data) add('companies', c.id, 'name');
  }
  return inWorkspace(ctx, async (trx) => {
    const out = async (kind: 'people' | 'companies') => {
      const object = titles[kind];
      const views = await readRecords(trx, ctx.principal, kind, [...found[kind].keys()]);
      return [...found[kind]]
        .filter(([id]) => views.has(id))
        .map(([id, by]) => ({ id, title: titleFor(ctx.principal, object, views.get(id)!), by: [...by] }))
        .sort((a, b) => b.by.length - a.by.length);
    };
    return { people: await out('people'), companies: await out('companies') };
  });
}

/** Creates a record, or fills the empty fields of an existing one; either way through the record engine. */
async function settle(
  trx: Tx,
  principal: Principal,
  objectKey: string,
  target: Target,
  fromLead: Record<string, unknown>,
): Promise<{ id: string; created: boolean }> {
  if ('create' in target) {
    const view = await createRecordIn(trx, principal, objectKey, { ...fromLead, ...target.create });
    return { id: view.id, created: true };
  }
  const existing = (await readRecords(trx, principal, objectKey, [target.attachTo])).get(target.attachTo);
  assertSeen(Boolean(existing), objectKey, target.attachTo);
  // Only fields that are empty on the record (and that the caller sees) take the lead's values.
  const patch = Object.fromEntries(
    Object.entries(fromLead).filter(([key]) => key in existing! && isEmpty(existing![key])),
  );
  if (Object.keys(patch).length > 0) await updateRecordIn(trx, principal, objectKey, target.attachTo, patch);
  return { id: target.attachTo, created: false };
}

/**
 * Converts a lead into a person, a company and a deal (each optional, each created or attached) in one
 * transaction: a failure anywhere leaves nothing. The lead turns `converted` first (which locks it, so a second
 * conversion waits and is then refused), then becomes read-only; its activities are linked to what it became, so
 * they show on those timelines while staying on the lead's.
 */
export async function convertLead(
  ctx: ServiceContext,
  leadId: string,
  input: ConvertInput,
): Promise<Conversion> {
  if (!input.person && !input.company && !input.deal)
    throw new AppError('validation_failed', 'Say what the lead becomes: a person, a company or a deal.', {
      errors: [{ field: '', message: 'Give at least one of person, company and deal.' }],
    });
  return inWorkspace(ctx, async (trx, ws) => {
    const { principal } = ctx;
    const lead = await readLead(trx, principal, leadId);
    if (lead.status === 'converted')
      throw new AppError('conflict', `Lead ${leadId} is already converted; it is read-only.`);
    await updateRecordIn(trx, principal, 'leads', leadId, { status: 'converted' });

    // What the lead became belongs to the lead's owner (the rep it was assigned to), not to whoever converted it,
    // unless the converter may only hold their own records of that object (then they own it, as any record they make).
    const ownerFor = (objectKey: string) =>
      typeof lead.owner === 'string' && ownerLimit(principal, ruleFor(principal, objectKey)) === undefined
        ? { owner: lead.owner }
        : {};
    const company = input.company
      ? await settle(trx, principal, 'companies', input.company, {
          ...companyFromLead(lead),
          ...ownerFor('companies'),
        })
      : null;
    const person = input.person
      ? await settle(trx, principal, 'people', input.person, {
          ...personFromLead(lead),
          ...(company ? { company: company.id } : {}),
          ...ownerFor('people'),
        })
      : null;
    const deal = input.deal
      ? await settle(trx, principal, 'deals', input.deal, {
          name: String(lead.companyName || lead.name || ''),
          ...(company ? { company: company.id } : {}),
          ...(person ? { primaryPerson: person.id } : {}),
          ...ownerFor('deals'),
        })
      : null;

    await linkActivities(trx, principal, ws, leadId, { person, company, deal });
    const { rows } = await sql<{ at: Date }>`
      insert into lead_conversions (workspace_id, lead_id, person_id, company_id, deal_id, converted_by)
      values (${ws}, ${leadId}, ${person?.id ?? null}, ${company?.id ?? null}, ${deal?.id ?? null},
        ${principal.userId})
      returning converted_at as at`.execute(trx.withoutPlugins());
    return { leadId, person, company, deal, convertedAt: rows[0]!.at.toISOString() };
  });
}

type Made = Record<'person' | 'company' | 'deal', { id: string } | null>;

/**
 * Links every activity (calls, meetings, notes, emails) on the lead to the records it became, through the record
 * engine: the lead's activities timeline finds them (page by page), each gains the new ids in its people,
 * companies and deals. The lead stays linked, so its own timeline is unchanged.
 */
async function linkActivities(trx: Tx, principal: Principal, ws: string, leadId: string, made: Made) {
  if (!made.person && !made.company && !made.deal) return;
  const objects = await workspaceObjects(trx, ws);
  let before: { at: string; id: string } | undefined;
  for (;;) {
    const page = await activityTimeline.entries(
      trx,
      { reader: principal, workspaceId: ws, object: 'leads', recordId: leadId, objects },
      { limit: 200, before },
    );
    if (!page || page.length === 0) return;
    const views = await readRecords(
      trx,
      principal,
      'activities',
      page.map((e) => e.id),
      {
        fields: ['people', 'companies', 'deals'],
      },
    );
    for (const [id, view] of views) {
      const patch: Record<string, string[]> = {};
      const extend = (key: string, add: { id: string } | null) => {
        const current = (view[key] as string[] | null | undefined) ?? [];
        if (add && !current.includes(add.id)) patch[key] = [...current, add.id];
      };
      extend('people', made.person);
      extend('companies', made.company);
      extend('deals', made.deal);
      if (Object.keys(patch).length > 0) await updateRecordIn(trx, principal, 'activities', id, patch);
    }
    const last = page.at(-1)!;
    before = { at: last.at, id: last.id };
    if (page.length < 200) return;
  }
}

/** What a converted lead became (null while it is not converted). */
export async function getLeadConversion(ctx: ServiceContext, leadId: string) {
  return inWorkspace(ctx, async (trx, ws) => {
    await readLead(trx, ctx.principal, leadId);
    const { rows } = await sql<{
      personId: string | null;
      companyId: string | null;
      dealId: string | null;
      convertedBy: string | null;
      convertedAt: Date;
    }>`
      select person_id as "personId", company_id as "companyId", deal_id as "dealId",
        converted_by as "convertedBy", converted_at as "convertedAt"
      from lead_conversions where workspace_id = ${ws} and lead_id = ${leadId}`.execute(trx.withoutPlugins());
    const row = rows[0];
    return row ? { leadId, ...row, convertedAt: row.convertedAt.toISOString() } : null;
  });
}
