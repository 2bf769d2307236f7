import { randomBytes } from 'node:crypto';
import { type Database, type Tx, withWorkspace } from '@rabita/db';
import type { SelectOption } from '@rabita/shared';
import { can, type Principal } from '../auth/principal.ts';
import type { SecretBox } from '../auth/secret-box.ts';
import { inWorkspace, type ServiceContext } from '../context.ts';
import { AppError, type FieldProblem } from '../errors/app-error.ts';
import { newId } from '../ids.ts';
import { loadObject } from '../metadata/metadata.service.ts';
import type { FieldDef } from '../metadata/metadata.types.ts';
import { hiddenFor } from '../records/access.ts';
import { createRecordIn } from '../records/create-record.ts';
import { assertSeen, readRecords } from '../records/gate.ts';
import type { FormField, FormRow, SubmissionRow } from './web-forms.repository.ts';
import * as repo from './web-forms.repository.ts';
import {
  type Challenge,
  checkAltcha,
  checkStamp,
  disposableEmail,
  formKey,
  HONEYPOT_FIELD,
  issueChallenge,
  issueStamp,
  type SpamReason,
  type SubmissionLimits,
} from './web-forms.spam.ts';

type Locale = 'en' | 'ar' | 'fa';
type Texts = { en?: string | undefined; ar?: string | undefined; fa?: string | undefined };

/** Lead field types a form may ask for (typed in one box; anything richer belongs in the app). */
const FORM_TYPES = new Set(['text', 'longText', 'number', 'email', 'phone', 'url', 'select']);
/** Lead fields a form never sets: the workflow's (status, score, owner) and the source it fills in itself. */
const NOT_ON_FORMS = new Set(['status', 'score', 'owner', 'source']);
/** The most characters one submitted value may have. */
export const MAX_VALUE_LENGTH = 5000;

export interface WebFormView {
  id: string;
  publicId: string;
  name: string;
  locale: Locale;
  fields: FormField[];
  thankYou: Texts;
  redirectUrl: string | null;
  allowedOrigins: string[];
  minFillSeconds: number;
  maxPerMinute: number;
  enabled: boolean;
  createdAt: string;
  updatedAt: string;
}

export interface WebFormInput {
  name: string;
  locale: Locale;
  fields: { key: string; required?: boolean | undefined; labels?: Texts | undefined }[];
  thankYou?: Texts | undefined;
  redirectUrl?: string | null | undefined;
  allowedOrigins?: string[] | undefined;
  minFillSeconds?: number | undefined;
  maxPerMinute?: number | undefined;
  enabled?: boolean | undefined;
}

/** What a public page needs to render a form: its fields in its language, a challenge and a signed stamp. */
export interface PublicFormView {
  publicId: string;
  locale: Locale;
  dir: 'ltr' | 'rtl';
  title: string;
  fields: {
    key: string;
    type: string;
    required: boolean;
    label: string;
    options?: { value: string; label: string }[] | undefined;
  }[];
  honeypot: string;
  altcha: Challenge;
  stamp: string;
  submitUrl: string;
  thankYou: string;
  redirectUrl: string | null;
  allowedOrigins: string[];
}

export interface SubmissionInput {
  fields: Record<string, string>;
  altcha?: string | undefined;
  stamp?: string | undefined;
  honeypot?: string | undefined;
  utmSource?: string | undefined;
  utmMedium?: string | undefined;
  utmCampaign?: string | undefined;
  referrer?: string | undefined;
}

export interface SubmissionView {
  id: string;
  formId: string;
  status: 'accepted' | 'quarantined';
  reasons: string[];
  values: Record<string, string>;
  utm: { source: string | null; medium: string | null; campaign: string | null };
  referrer: string | null;
  ip: string | null;
  userAgent: string | null;
  leadId: string | null;
  releasedAt: string | null;
  createdAt: string;
}

/** What the public services need: the database, the box that opens the workspace's key, the rate limits. */
export interface PublicFormDeps {
  db: Database;
  secrets: { get(): Promise<SecretBox> };
  limits: SubmissionLimits;
}

const THANK_YOU: Record<Locale, string> = {
  en: 'Thank you! We have received your message.',
  ar: 'شكرًا لك! لقد استلمنا رسالتك.',
  fa: 'سپاسگزاریم! پیام شما دریافت شد.',
};

function assertManager(ctx: ServiceContext): void {
  if (!can(ctx.principal, 'sales.forms.manage'))
    throw new AppError('forbidden', 'Your role may not manage web forms (sales.forms.manage).');
}

const present = (r: FormRow): WebFormView => ({
  ...r,
  createdAt: r.createdAt.toISOString(),
  updatedAt: r.updatedAt.toISOString(),
});

function invalid(field: string, message: string): never {
  throw new AppError('validation_failed', message, { errors: [{ field, message }] });
}

function cleanTexts(texts: Texts | undefined, max: number): Texts {
  const out: Texts = {};
  for (const lang of ['en', 'ar', 'fa'] as const) {
    const v = texts?.[lang]?.trim();
    if (v) out[lang] = v.slice(0, max);
  }
  return out;
}

function webUrl(value: string, field: string): URL {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return invalid(field, 'Is not an address (https://…).');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    return invalid(field, 'Must be an http or https address.');
  if (url.username || url.password) return invalid(field, 'Must not carry a user name or password.');
  return url;
}

async function checkInput(trx: Tx, workspaceId: string, input: WebFormInput): Promise<repo.FormWrite> {
  const name = input.name.trim();
  if (!name) invalid('name', 'Name the form.');
  const leads = await loadObject(trx, workspaceId, 'leads');
  const problems: FieldProblem[] = [];
  const seen = new Set<string>();
  const fields: FormField[] = [];
  input.fields.forEach((f, i) => {
    const def = leads.fields.find((d) => d.key === f.key);
    if (!def || def.readOnly || NOT_ON_FORMS.has(def.key) || !FORM_TYPES.has(def.type)) {
      problems.push({
        field: `fields.${i}.key`,
        message: `A form cannot ask for the lead field "${f.key}".`,
      });
      return;
    }
    if (seen.has(f.key)) {
      problems.push({ field: `fields.${i}.key`, message: `"${f.key}" is on the form twice.` });
      return;
    }
    seen.add(f.key);
    fields.push({
      key: f.key,
      required: f.required === true || def.required,
      labels: cleanTexts(f.labels, 200),
    });
  });
  if (fields.length === 0 && problems.length === 0)
    problems.push({ field: 'fields', message: 'Choose at least one lead field.' });
  for (const def of leads.fields)
    if (def.required && def.defaultValue === undefined && !def.readOnly && !seen.has(def.key))
      problems.push({ field: 'fields', message: `A lead needs "${def.key}": put it on the form.` });
  const allowedOrigins: string[] = [];
  (input.allowedOrigins ?? []).forEach((o, i) => {
    try {
      const url = webUrl(o.trim(), `allowedOrigins.${i}`);
      if (url.pathname !== '/' || url.search || url.hash)
        problems.push({
          field: `allowedOrigins.${i}`,
          message: 'An origin is a scheme, host and port, no path.',
        });
      else if (!allowedOrigins.includes(url.origin)) allowedOrigins.push(url.origin);
    } catch (error) {
      if (error instanceof AppError && error.errors) problems.push(...error.errors);
      else throw error;
    }
  });
  let redirectUrl: string | null = null;
  if (input.redirectUrl?.trim()) {
    try {
      redirectUrl = webUrl(input.redirectUrl.trim(), 'redirectUrl').toString();
    } catch (error) {
      if (error instanceof AppError && error.errors) problems.push(...error.errors);
      else throw error;
    }
  }
  if (problems.length > 0)
    throw new AppError('validation_failed', problems[0]?.message ?? 'The form is not valid.', {
      errors: problems,
    });
  return {
    name: name.slice(0, 200),
    locale: input.locale,
    fields,
    thankYou: cleanTexts(input.thankYou, 2000),
    redirectUrl,
    allowedOrigins,
    minFillSeconds: input.minFillSeconds ?? 3,
    maxPerMinute: input.maxPerMinute ?? 30,
    enabled: input.enabled ?? true,
  };
}

/** The workspace's web forms, by name. */
export async function listWebForms(ctx: ServiceContext): Promise<WebFormView[]> {
  assertManager(ctx);
  return inWorkspace(ctx, async (trx, ws) => (await repo.selectForms(trx, ws)).map(present));
}

export async function getWebForm(ctx: ServiceContext, id: string): Promise<WebFormView> {
  assertManager(ctx);
  return inWorkspace(ctx, async (trx, ws) => {
    const form = await repo.selectForm(trx, ws, { id });
    if (!form) throw new AppError('not_found', `There is no web form ${id}.`);
    return present(form);
  });
}

/** Creates a form with an unguessable public id (128 random bits). */
export async function createWebForm(ctx: ServiceContext, input: WebFormInput): Promise<WebFormView> {
  assertManager(ctx);
  return inWorkspace(ctx, async (trx, ws) => {
    const form = await checkInput(trx, ws, input);
    const id = newId();
    const publicId = randomBytes(16).toString('base64url');
    await repo.insertForm(trx, ws, { ...form, id, publicId, createdBy: ctx.principal.userId });
    const row = await repo.selectForm(trx, ws, { id });
    if (!row) throw new Error('The new web form was not stored.');
    return present(row);
  });
}

/** Replaces a form's settings (its public id stays, so embeds keep working). */
export async function updateWebForm(
  ctx: ServiceContext,
  id: string,
  input: WebFormInput,
): Promise<WebFormView> {
  assertManager(ctx);
  return inWorkspace(ctx, async (trx, ws) => {
    const form = await checkInput(trx, ws, input);
    if (!(await repo.updateForm(trx, ws, id, form)))
      throw new AppError('not_found', `There is no web form ${id}.`);
    const row = await repo.selectForm(trx, ws, { id });
    if (!row) throw new AppError('not_found', `There is no web form ${id}.`);
    return present(row);
  });
}

/** Deletes a form and the submissions it held (leads it made stay). */
export async function deleteWebForm(ctx: ServiceContext, id: string): Promise<void> {
  assertManager(ctx);
  await inWorkspace(ctx, async (trx, ws) => {
    if (!(await repo.deleteForm(trx, ws, id))) throw new AppError('not_found', `There is no web form ${id}.`);
  });
}

const notFound = (publicId: string) =>
  new AppError('not_found', `There is no web form ${publicId.slice(0, 40)}, or it is turned off.`);

async function openPublicForm<T>(
  db: Database,
  publicId: string,
  steps: (trx: Tx, workspaceId: string, form: FormRow) => Promise<T>,
): Promise<T> {
  if (!/^[A-Za-z0-9_-]{22}$/.test(publicId)) throw notFound(publicId);
  const workspaceId = await repo.formWorkspace(db, publicId);
  if (!workspaceId) throw notFound(publicId);
  return withWorkspace(db, workspaceId, async (trx) => {
    const form = await repo.selectForm(trx, workspaceId, { publicId });
    if (!form?.enabled) throw notFound(publicId);
    return steps(trx, workspaceId, form);
  });
}

const pick = (texts: Texts | undefined, locale: Locale): string | undefined =>
  texts?.[locale] ?? texts?.en ?? texts?.ar ?? texts?.fa;

function optionsOf(def: FieldDef, locale: Locale) {
  if (def.type !== 'select') return undefined;
  return (def.options ?? []).map((o: SelectOption) => ({
    value: o.value,
    label: pick(o.labels, locale) ?? o.value,
  }));
}

/** A form as a public page shows it: its fields in its language, a fresh challenge and a signed stamp. */
export async function publicWebForm(deps: PublicFormDeps, publicId: string): Promise<PublicFormView> {
  const box = await deps.secrets.get();
  return openPublicForm(deps.db, publicId, async (trx, ws, form) => {
    const key = await formKey(trx, ws, box);
    const leads = await loadObject(trx, ws, 'leads');
    const fields: PublicFormView['fields'] = [];
    for (const f of form.fields) {
      const def = leads.fields.find((d) => d.key === f.key);
      if (!def) continue; // a custom field deleted since the form was saved
      fields.push({
        key: f.key,
        type: def.type,
        required: f.required,
        // The form's label in its language, else the field's own label in that language, else any label given.
        label:
          f.labels[form.locale] ?? def.labels[form.locale] ?? pick(f.labels, form.locale) ?? def.labels.en,
        options: optionsOf(def, form.locale),
      });
    }
    return {
      publicId,
      locale: form.locale,
      dir: form.locale === 'en' ? 'ltr' : 'rtl',
      title: form.name,
      fields,
      honeypot: HONEYPOT_FIELD,
      altcha: await issueChallenge(key, publicId),
      stamp: issueStamp(key, publicId),
      submitUrl: `/api/v1/public/web-forms/${publicId}/submissions`,
      thankYou: pick(form.thankYou, form.locale) ?? THANK_YOU[form.locale],
      redirectUrl: form.redirectUrl,
      allowedOrigins: form.allowedOrigins,
    };
  });
}

/** The origins allowed to embed a form (for CORS), or undefined when there is no such form. */
export async function webFormOrigins(db: Database, publicId: string): Promise<string[] | undefined> {
  try {
    return await openPublicForm(db, publicId, async (_trx, _ws, form) => form.allowedOrigins);
  } catch (error) {
    if (error instanceof AppError && error.code === 'not_found') return undefined;
    throw error;
  }
}

/** The principal a form writes its leads as: no person, allowed to create leads and nothing else. */
function formPrincipal(workspaceId: string, form: FormRow): Principal {
  return {
    kind: 'apiKey',
    workspaceId,
    userId: null,
    sessionId: null,
    apiKeyId: null,
    role: {
      id: form.id,
      key: 'webForm',
      name: `Web form ${form.name}`,
      permissions: {
        actions: [],
        objects: { leads: { read: true, create: true, update: false, delete: false } },
      },
    },
  };
}

/** Creates the lead a submission asks for, through the record engine (hooks, assignment, audit, search). */
async function createLead(
  trx: Tx,
  workspaceId: string,
  form: FormRow,
  submissionId: string,
  values: Record<string, string>,
  utmSource: string | null,
): Promise<string> {
  const input: Record<string, unknown> = {
    ...values,
    source: (utmSource ?? `Web form: ${form.name}`).slice(0, 200),
  };
  const lead = (await createRecordIn(trx, formPrincipal(workspaceId, form), 'leads', input, {
    source: 'system',
    cause: { kind: 'webForm', runId: submissionId, depth: 0 },
  })) as { id: string };
  return lead.id;
}

const short = (v: string | undefined, max: number): string | null => {
  const t = v?.trim();
  return t ? t.slice(0, max) : null;
};

/** What a submitter is told: the same whether it was accepted or held back, so a robot learns nothing. */
export interface SubmissionReceipt {
  submissionId: string;
  status: 'received';
  thankYou: string;
  redirectUrl: string | null;
  /** Whether it was accepted (for the server's own log and tests; never sent to the submitter). */
  accepted: boolean;
}

/**
 * Takes a public submission. Rate limits first (429); then every spam rule, each adding its reason; a clean
 * submission with the form's required fields creates a lead in the same transaction, anything caught is kept
 * quarantined with its reasons. A clean submission the lead refuses (a malformed e-mail, say) is a 400 listing
 * the fields, so the person can correct it; nothing is stored and the challenge stays unspent.
 */
export async function submitWebForm(
  deps: PublicFormDeps,
  publicId: string,
  input: SubmissionInput,
  meta: { ip: string; userAgent: string | undefined },
): Promise<SubmissionReceipt> {
  const box = await deps.secrets.get();
  return openPublicForm(deps.db, publicId, async (trx, ws, form) => {
    await deps.limits.take(meta.ip, form.id, form.maxPerMinute);
    const key = await formKey(trx, ws, box);
    const leads = await loadObject(trx, ws, 'leads');
    const reasons: SpamReason[] = [];
    if (input.honeypot?.trim()) reasons.push('honeypot');
    const stamp = checkStamp(key, publicId, input.stamp, form.minFillSeconds);
    if (stamp) reasons.push(stamp);
    const altcha = await checkAltcha(trx, ws, key, publicId, input.altcha);
    if (altcha) reasons.push(altcha);
    const known = new Map(form.fields.map((f) => [f.key, f]));
    const values: Record<string, string> = {};
    const submitted: Record<string, string> = {};
    let unknown = false;
    for (const [k, v] of Object.entries(input.fields)) {
      submitted[k.slice(0, 100)] = v.slice(0, MAX_VALUE_LENGTH);
      if (!known.has(k)) unknown = true;
      else if (v.trim()) values[k] = v.trim();
    }
    if (unknown) reasons.push('unknown_fields');
    for (const [k, v] of Object.entries(values)) {
      const def = leads.fields.find((d) => d.key === k);
      if (def?.type === 'email' && disposableEmail(v)) {
        reasons.push('disposable_email');
        break;
      }
    }
    const id = newId();
    const utmSource = short(input.utmSource, 200);
    const row = {
      id,
      formId: form.id,
      reasons,
      submitted,
      utmSource,
      utmMedium: short(input.utmMedium, 200),
      utmCampaign: short(input.utmCampaign, 200),
      referrer: short(input.referrer, 2000),
      ip: meta.ip.slice(0, 100),
      userAgent: short(meta.userAgent, 500),
    };
    let leadId: string | null = null;
    if (reasons.length === 0) {
      const missing = form.fields
        .filter((f) => f.required && !values[f.key])
        .map((f) => ({ field: `fields.${f.key}`, message: 'Fill this in.' }));
      if (missing.length > 0)
        throw new AppError('validation_failed', 'Some required fields are empty.', { errors: missing });
      leadId = await createLead(trx, ws, form, id, values, utmSource).catch((error: unknown) => {
        if (error instanceof AppError && error.errors)
          throw new AppError(error.code, error.message, {
            errors: error.errors.map((e) => ({ ...e, field: `fields.${e.field}` })),
          });
        throw error;
      });
    }
    await repo.insertSubmission(trx, ws, {
      ...row,
      status: leadId ? 'accepted' : 'quarantined',
      leadId,
    });
    return {
      submissionId: id,
      status: 'received',
      thankYou: pick(form.thankYou, form.locale) ?? THANK_YOU[form.locale],
      redirectUrl: form.redirectUrl,
      accepted: leadId !== null,
    };
  });
}

function presentSubmission(s: SubmissionRow, hidden: (key: string) => boolean): SubmissionView {
  const values: Record<string, string> = {};
  for (const [k, v] of Object.entries(s.submitted)) if (!hidden(k)) values[k] = v;
  return {
    id: s.id,
    formId: s.formId,
    status: s.status,
    reasons: s.reasons,
    values,
    // The UTM source becomes the lead's `source`: a reader who may not see that field does not see it here.
    utm: { source: hidden('source') ? null : s.utmSource, medium: s.utmMedium, campaign: s.utmCampaign },
    referrer: s.referrer,
    ip: s.ip,
    userAgent: s.userAgent,
    leadId: s.leadId,
    releasedAt: s.releasedAt?.toISOString() ?? null,
    createdAt: s.createdAt.toISOString(),
  };
}

/** A page of submissions, newest first; values of lead fields the caller's role hides are left out. */
export async function listSubmissions(
  ctx: ServiceContext,
  filter: {
    status?: 'accepted' | 'quarantined' | undefined;
    formId?: string | undefined;
    cursor?: string | undefined;
  },
  limit = 50,
): Promise<{ data: SubmissionView[]; nextCursor: string | null }> {
  assertManager(ctx);
  const hidden = hiddenFor(ctx.principal);
  return inWorkspace(ctx, async (trx, ws) => {
    const rows = await repo.selectSubmissions(trx, ws, { ...filter, before: filter.cursor }, limit + 1);
    const page = rows.slice(0, limit);
    return {
      data: page.map((r) => presentSubmission(r, (k) => hidden('leads', k))),
      nextCursor: rows.length > limit ? (page.at(-1)?.id ?? null) : null,
    };
  });
}

/** Releases a quarantined submission: its lead is created now (through the record engine) and it is accepted. */
export async function releaseSubmission(ctx: ServiceContext, id: string): Promise<SubmissionView> {
  assertManager(ctx);
  const hidden = hiddenFor(ctx.principal);
  return inWorkspace(ctx, async (trx, ws) => {
    const s = await repo.selectSubmission(trx, ws, id, { lock: true });
    if (!s) throw new AppError('not_found', `There is no submission ${id}.`);
    if (s.status !== 'quarantined') throw new AppError('conflict', `Submission ${id} is not quarantined.`);
    const form = await repo.selectForm(trx, ws, { id: s.formId });
    if (!form) throw new AppError('not_found', `There is no web form ${s.formId}.`);
    const known = new Set(form.fields.map((f) => f.key));
    const values: Record<string, string> = {};
    for (const [k, v] of Object.entries(s.submitted)) if (known.has(k) && v.trim()) values[k] = v.trim();
    const leadId = await createLead(trx, ws, form, s.id, values, s.utmSource);
    await repo.markReleased(trx, ws, id, leadId, ctx.principal.userId);
    const after = await repo.selectSubmission(trx, ws, id);
    if (!after) throw new Error('The released submission vanished.');
    return presentSubmission(after, (k) => hidden('leads', k));
  });
}

/** Deletes a quarantined submission (accepted ones stay: they say where a lead came from). */
export async function deleteSubmission(ctx: ServiceContext, id: string): Promise<void> {
  assertManager(ctx);
  await inWorkspace(ctx, async (trx, ws) => {
    if (!(await repo.deleteQuarantined(trx, ws, id)))
      throw new AppError('not_found', `There is no quarantined submission ${id}.`);
  });
}

/** Where a lead came from when a web form made it: the form, UTM values and referring page, or null. */
export interface LeadCaptureView {
  formId: string;
  formName: string;
  submissionId: string;
  utm: { source: string | null; medium: string | null; campaign: string | null };
  referrer: string | null;
  receivedAt: string;
}

/** The web form a lead came from, for anyone who may read the lead (the UTM source only with its `source`). */
export async function leadCapture(ctx: ServiceContext, leadId: string): Promise<LeadCaptureView | null> {
  const hidden = hiddenFor(ctx.principal);
  return inWorkspace(ctx, async (trx, ws) => {
    const seen = await readRecords(trx, ctx.principal, 'leads', [leadId], { fields: ['id'] });
    assertSeen(seen.has(leadId), 'leads', leadId);
    const s = await repo.selectSubmissionOfLead(trx, ws, leadId);
    if (!s) return null;
    return {
      formId: s.formId,
      formName: s.formName,
      submissionId: s.id,
      utm: {
        source: hidden('leads', 'source') ? null : s.utmSource,
        medium: s.utmMedium,
        campaign: s.utmCampaign,
      },
      referrer: s.referrer,
      receivedAt: s.createdAt.toISOString(),
    };
  });
}
