import { randomBytes } from 'node:crypto';
import { type Database, type Tx, withWorkspace } from '@rabita/db';
import { can, type Principal, servicePrincipal } from '../auth/principal.ts';
import type { SecretBox } from '../auth/secret-box.ts';
import { inWorkspace, type ServiceContext } from '../context.ts';
import { AppError, type FieldProblem } from '../errors/app-error.ts';
import { announce } from '../events/module-events.ts';
import { newId } from '../ids.ts';
import type { FormTarget, FormTargetField } from '../modules/manifest.ts';
import { registry } from '../modules/registry.ts';
import { hiddenFor } from '../records/access.ts';
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

/** The most characters one submitted value may have. */
export const MAX_VALUE_LENGTH = 5000;

export interface WebFormView {
  id: string;
  publicId: string;
  name: string;
  target: string;
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
  /** The object the form makes records of (`leads` when absent); a form's target never changes. */
  target?: string | undefined;
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
  target: string;
  status: 'accepted' | 'quarantined';
  reasons: string[];
  values: Record<string, string>;
  utm: { source: string | null; medium: string | null; campaign: string | null };
  referrer: string | null;
  ip: string | null;
  userAgent: string | null;
  /** The record it made, of the form's target object. */
  recordId: string | null;
  /** The lead it made (a lead form's `recordId`, kept for callers that read it). */
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

/** The target a form names, as a module declared it. */
function targetOf(key: string): FormTarget {
  const target = registry().formTargets.get(key);
  if (!target)
    return invalid(
      'target',
      `A form cannot make records of "${key.slice(0, 60)}"; choose one of: ${[...registry().formTargets.keys()].join(', ')}.`,
    );
  return target;
}

/** Singular names of the targets the engine speaks of in its messages. */
const nameOf = (target: string) => (target === 'leads' ? 'lead' : target === 'tickets' ? 'ticket' : target);

async function checkInput(
  trx: Tx,
  workspaceId: string,
  input: WebFormInput,
  targetKey: string,
): Promise<repo.FormWrite> {
  const name = input.name.trim();
  if (!name) invalid('name', 'Name the form.');
  const askable = await targetOf(targetKey).fields(trx, workspaceId);
  const what = nameOf(targetKey);
  const problems: FieldProblem[] = [];
  const seen = new Set<string>();
  const fields: FormField[] = [];
  input.fields.forEach((f, i) => {
    const def = askable.find((d) => d.key === f.key);
    if (!def) {
      problems.push({
        field: `fields.${i}.key`,
        message: `A form cannot ask for the ${what} field "${f.key}".`,
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
    problems.push({ field: 'fields', message: `Choose at least one ${what} field.` });
  for (const def of askable)
    if (def.mustAsk && !seen.has(def.key))
      problems.push({ field: 'fields', message: `A ${what} needs "${def.key}": put it on the form.` });
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
    target: targetKey,
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

/** What web forms may make, each with the fields a form of it may ask for. */
export async function listFormTargets(
  ctx: ServiceContext,
): Promise<{ object: string; fields: FormTargetField[] }[]> {
  assertManager(ctx);
  return inWorkspace(ctx, async (trx, ws) => {
    const out: { object: string; fields: FormTargetField[] }[] = [];
    for (const target of registry().formTargets.values())
      out.push({ object: target.object, fields: await target.fields(trx, ws) });
    return out;
  });
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
    const form = await checkInput(trx, ws, input, input.target ?? 'leads');
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
    const current = await repo.selectForm(trx, ws, { id });
    if (!current) throw new AppError('not_found', `There is no web form ${id}.`);
    if (input.target !== undefined && input.target !== current.target)
      invalid('target', `This form makes ${current.target}; a form's target cannot change: make a new form.`);
    const form = await checkInput(trx, ws, input, current.target);
    if (!(await repo.updateForm(trx, ws, id, form)))
      throw new AppError('not_found', `There is no web form ${id}.`);
    const row = await repo.selectForm(trx, ws, { id });
    if (!row) throw new AppError('not_found', `There is no web form ${id}.`);
    return present(row);
  });
}

/** Deletes a form and the submissions it held (records it made stay). */
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

function optionsOf(def: FormTargetField, locale: Locale) {
  if (def.type !== 'select') return undefined;
  return (def.options ?? []).map((o) => ({
    value: o.value,
    label: pick(o.labels, locale) ?? o.value,
  }));
}

/** A form as a public page shows it: its fields in its language, a fresh challenge and a signed stamp. */
export async function publicWebForm(deps: PublicFormDeps, publicId: string): Promise<PublicFormView> {
  const box = await deps.secrets.get();
  return openPublicForm(deps.db, publicId, async (trx, ws, form) => {
    const key = await formKey(trx, ws, box);
    const askable = await targetOf(form.target).fields(trx, ws);
    const fields: PublicFormView['fields'] = [];
    for (const f of form.fields) {
      const def = askable.find((d) => d.key === f.key);
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

/** The principal a form writes as: no person, holding exactly the object rights its target declares. */
function formPrincipal(workspaceId: string, form: FormRow, target: FormTarget): Principal {
  return servicePrincipal(workspaceId, {
    id: form.id,
    key: 'webForm',
    name: `Web form ${form.name}`,
    permissions: { actions: [], objects: target.rights },
  });
}

/** The module event of a submission that made its record (at once, or when released from quarantine). */
export const FORM_SUBMITTED = 'sales.formSubmitted';

/**
 * Makes the records a clean submission asks for through its target; its refusals name the form's fields. The
 * record made is announced as `sales.formSubmitted` (workflows can start on it).
 */
async function createRecordOf(
  trx: Tx,
  workspaceId: string,
  form: FormRow,
  submission: Pick<SubmissionRow, 'id' | 'utmSource' | 'utmMedium' | 'utmCampaign'>,
  values: Record<string, string>,
): Promise<string> {
  const target = targetOf(form.target);
  const recordId = await target
    .create({
      trx,
      workspaceId,
      principal: formPrincipal(workspaceId, form, target),
      form: { id: form.id, name: form.name, locale: form.locale },
      submissionId: submission.id,
      values,
      utm: { source: submission.utmSource, medium: submission.utmMedium, campaign: submission.utmCampaign },
    })
    .catch((error: unknown) => {
      if (error instanceof AppError && error.errors)
        throw new AppError(error.code, error.message, {
          errors: error.errors.map((e) => ({ ...e, field: `fields.${e.field}` })),
        });
      throw error;
    });
  await announce(trx, workspaceId, {
    key: FORM_SUBMITTED,
    id: submission.id,
    record: { object: form.target, id: recordId },
    payload: {
      formId: form.id,
      formName: form.name,
      submissionId: submission.id,
      // Not the UTM source: a target may keep it in a field (a lead's `source`) that a role hides.
      utmMedium: submission.utmMedium,
      utmCampaign: submission.utmCampaign,
    },
  });
  return recordId;
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
 * submission with the form's required fields makes its target's records in the same transaction, anything
 * caught is kept quarantined with its reasons. A clean submission the target refuses (a malformed e-mail, say) is
 * a 400 listing
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
    const askable = await targetOf(form.target).fields(trx, ws);
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
      const def = askable.find((d) => d.key === k);
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
    let recordId: string | null = null;
    if (reasons.length === 0) {
      const missing = form.fields
        .filter((f) => f.required && !values[f.key])
        .map((f) => ({ field: `fields.${f.key}`, message: 'Fill this in.' }));
      if (missing.length > 0)
        throw new AppError('validation_failed', 'Some required fields are empty.', { errors: missing });
      recordId = await createRecordOf(trx, ws, form, row, values);
    }
    await repo.insertSubmission(trx, ws, {
      ...row,
      status: recordId ? 'accepted' : 'quarantined',
      recordId,
    });
    return {
      submissionId: id,
      status: 'received',
      thankYou: pick(form.thankYou, form.locale) ?? THANK_YOU[form.locale],
      redirectUrl: form.redirectUrl,
      accepted: recordId !== null,
    };
  });
}

/** Which of a target's submitted values a reader may not see: those whose record field its role hides. */
type Hider = { value(key: string): boolean; utmSource: boolean };

async function hidersFor(
  trx: Tx,
  workspaceId: string,
  principal: Principal,
  targets: Iterable<string>,
): Promise<Map<string, Hider>> {
  const hidden = hiddenFor(principal);
  const out = new Map<string, Hider>();
  for (const key of new Set(targets)) {
    const target = registry().formTargets.get(key);
    const stored = new Map(
      (target ? await target.fields(trx, workspaceId) : []).map((f) => [f.key, f.storedAs]),
    );
    out.set(key, {
      value: (k) => {
        const at = stored.get(k);
        return at ? hidden(at.object, at.field) : hidden(key, k);
      },
      // The UTM source may become a field of the record (a lead's `source`): hidden with it.
      utmSource: target?.utmSourceField !== undefined && hidden(key, target.utmSourceField),
    });
  }
  return out;
}

function presentSubmission(s: SubmissionRow, hider: Hider | undefined): SubmissionView {
  const hidden = hider ?? { value: () => true, utmSource: true };
  const values: Record<string, string> = {};
  for (const [k, v] of Object.entries(s.submitted)) if (!hidden.value(k)) values[k] = v;
  return {
    id: s.id,
    formId: s.formId,
    target: s.target,
    status: s.status,
    reasons: s.reasons,
    values,
    utm: { source: hidden.utmSource ? null : s.utmSource, medium: s.utmMedium, campaign: s.utmCampaign },
    referrer: s.referrer,
    ip: s.ip,
    userAgent: s.userAgent,
    recordId: s.recordId,
    leadId: s.target === 'leads' ? s.recordId : null,
    releasedAt: s.releasedAt?.toISOString() ?? null,
    createdAt: s.createdAt.toISOString(),
  };
}

/** A page of submissions, newest first; values of record fields the caller's role hides are left out. */
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
  return inWorkspace(ctx, async (trx, ws) => {
    const rows = await repo.selectSubmissions(trx, ws, { ...filter, before: filter.cursor }, limit + 1);
    const page = rows.slice(0, limit);
    const hiders = await hidersFor(
      trx,
      ws,
      ctx.principal,
      page.map((r) => r.target),
    );
    return {
      data: page.map((r) => presentSubmission(r, hiders.get(r.target))),
      nextCursor: rows.length > limit ? (page.at(-1)?.id ?? null) : null,
    };
  });
}

/** Releases a quarantined submission: its records are made now (through its target) and it is accepted. */
export async function releaseSubmission(ctx: ServiceContext, id: string): Promise<SubmissionView> {
  assertManager(ctx);
  return inWorkspace(ctx, async (trx, ws) => {
    const s = await repo.selectSubmission(trx, ws, id, { lock: true });
    if (!s) throw new AppError('not_found', `There is no submission ${id}.`);
    if (s.status !== 'quarantined') throw new AppError('conflict', `Submission ${id} is not quarantined.`);
    const form = await repo.selectForm(trx, ws, { id: s.formId });
    if (!form) throw new AppError('not_found', `There is no web form ${s.formId}.`);
    const known = new Set(form.fields.map((f) => f.key));
    const values: Record<string, string> = {};
    for (const [k, v] of Object.entries(s.submitted)) if (known.has(k) && v.trim()) values[k] = v.trim();
    const recordId = await createRecordOf(trx, ws, form, s, values);
    await repo.markReleased(trx, ws, id, recordId, ctx.principal.userId);
    const after = await repo.selectSubmission(trx, ws, id);
    if (!after) throw new Error('The released submission vanished.');
    const hiders = await hidersFor(trx, ws, ctx.principal, [after.target]);
    return presentSubmission(after, hiders.get(after.target));
  });
}

/** Deletes a quarantined submission (accepted ones stay: they say where a record came from). */
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
    const s = await repo.selectSubmissionOfRecord(trx, ws, 'leads', leadId);
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
