import { type Database, type Tx, workspaceLiteral } from '@rabita/db';
import { type RawBuilder, sql } from 'kysely';

/** One field a form asks for: a field of the form's target, whether it must be filled, its label per language. */
export interface FormField {
  key: string;
  required: boolean;
  labels: { en?: string | undefined; ar?: string | undefined; fa?: string | undefined };
}

export interface FormRow {
  id: string;
  publicId: string;
  name: string;
  /** The object the form makes records of (a form target's `object`). */
  target: string;
  locale: 'en' | 'ar' | 'fa';
  fields: FormField[];
  thankYou: { en?: string; ar?: string; fa?: string };
  redirectUrl: string | null;
  allowedOrigins: string[];
  minFillSeconds: number;
  maxPerMinute: number;
  enabled: boolean;
  createdAt: Date;
  updatedAt: Date;
}

export interface SubmissionRow {
  id: string;
  formId: string;
  /** Its form's target object. */
  target: string;
  status: 'accepted' | 'quarantined';
  reasons: string[];
  submitted: Record<string, string>;
  utmSource: string | null;
  utmMedium: string | null;
  utmCampaign: string | null;
  referrer: string | null;
  ip: string | null;
  userAgent: string | null;
  /** The record the submission made (of the form's target object), once accepted. */
  recordId: string | null;
  releasedBy: string | null;
  releasedAt: Date | null;
  createdAt: Date;
}

const FORM_COLUMNS = sql`id::text, public_id as "publicId", name, target, locale, fields, thank_you as "thankYou",
  redirect_url as "redirectUrl", allowed_origins as "allowedOrigins", min_fill_seconds as "minFillSeconds",
  max_per_minute as "maxPerMinute", enabled, created_at as "createdAt", updated_at as "updatedAt"`;

/** A submission's columns, its form's target read by a subquery confined by the workspace's literal (a cluster routes it). */
const submissionColumns = (workspace: RawBuilder<string>) => sql`id::text, form_id::text as "formId",
  (select f.target from web_forms f where f.workspace_id = ${workspace}
    and f.id = web_form_submissions.form_id) as target, status, reasons, submitted,
  utm_source as "utmSource", utm_medium as "utmMedium", utm_campaign as "utmCampaign", referrer, ip,
  user_agent as "userAgent", record_id::text as "recordId", released_by::text as "releasedBy",
  released_at as "releasedAt", created_at as "createdAt"`;

/** The workspace a form's public id belongs to, before any workspace is known (a SECURITY DEFINER look-up). */
export async function formWorkspace(db: Database, publicId: string): Promise<string | undefined> {
  const { rows } = await sql<{ workspace_id: string | null }>`
    select rabita_web_form_workspace(${publicId})::text as workspace_id`.execute(db.withoutPlugins());
  return rows[0]?.workspace_id ?? undefined;
}

export async function selectForms(trx: Tx, workspaceId: string): Promise<FormRow[]> {
  const { rows } = await sql<FormRow>`
    select ${FORM_COLUMNS} from web_forms where workspace_id = ${workspaceId}
    order by name, id limit 1000`.execute(trx.withoutPlugins());
  return rows;
}

export async function selectForm(
  trx: Tx,
  workspaceId: string,
  by: { id: string } | { publicId: string },
): Promise<FormRow | undefined> {
  const where = 'id' in by ? sql`id = ${by.id}` : sql`public_id = ${by.publicId}`;
  const { rows } = await sql<FormRow>`
    select ${FORM_COLUMNS} from web_forms where workspace_id = ${workspaceId} and ${where}`.execute(
    trx.withoutPlugins(),
  );
  return rows[0];
}

export type FormWrite = Omit<FormRow, 'id' | 'publicId' | 'createdAt' | 'updatedAt'>;

export async function insertForm(
  trx: Tx,
  workspaceId: string,
  form: FormWrite & { id: string; publicId: string; createdBy: string | null },
): Promise<void> {
  await sql`
    insert into web_forms (workspace_id, id, public_id, name, target, locale, fields, thank_you, redirect_url,
      allowed_origins, min_fill_seconds, max_per_minute, enabled, created_by)
    values (${workspaceId}, ${form.id}, ${form.publicId}, ${form.name}, ${form.target}, ${form.locale},
      ${JSON.stringify(form.fields)}::jsonb, ${JSON.stringify(form.thankYou)}::jsonb, ${form.redirectUrl},
      ${form.allowedOrigins}::text[], ${form.minFillSeconds}, ${form.maxPerMinute}, ${form.enabled},
      ${form.createdBy})`.execute(trx.withoutPlugins());
}

export async function updateForm(
  trx: Tx,
  workspaceId: string,
  id: string,
  form: Omit<FormWrite, 'target'>,
): Promise<boolean> {
  const result = await sql`
    update web_forms set name = ${form.name}, locale = ${form.locale}, fields = ${JSON.stringify(form.fields)}::jsonb,
      thank_you = ${JSON.stringify(form.thankYou)}::jsonb, redirect_url = ${form.redirectUrl},
      allowed_origins = ${form.allowedOrigins}::text[], min_fill_seconds = ${form.minFillSeconds},
      max_per_minute = ${form.maxPerMinute}, enabled = ${form.enabled}, updated_at = now()
    where workspace_id = ${workspaceId} and id = ${id}`.execute(trx.withoutPlugins());
  return Number(result.numAffectedRows ?? 0) > 0;
}

export async function deleteForm(trx: Tx, workspaceId: string, id: string): Promise<boolean> {
  const result = await sql`delete from web_forms where workspace_id = ${workspaceId} and id = ${id}`.execute(
    trx.withoutPlugins(),
  );
  return Number(result.numAffectedRows ?? 0) > 0;
}

export async function insertSubmission(
  trx: Tx,
  workspaceId: string,
  s: Omit<SubmissionRow, 'target' | 'releasedBy' | 'releasedAt' | 'createdAt'>,
): Promise<void> {
  await sql`
    insert into web_form_submissions (workspace_id, id, form_id, status, reasons, submitted, utm_source,
      utm_medium, utm_campaign, referrer, ip, user_agent, record_id)
    values (${workspaceId}, ${s.id}, ${s.formId}, ${s.status}, ${s.reasons}::text[],
      ${JSON.stringify(s.submitted)}::jsonb, ${s.utmSource}, ${s.utmMedium}, ${s.utmCampaign}, ${s.referrer},
      ${s.ip}, ${s.userAgent}, ${s.recordId})`.execute(trx.withoutPlugins());
}

/**
 * One submission, locked when asked (release takes it under the lock, so two releases make one record). Locked, its
 * form's target is read in a join locked `for update of` the submission: a Citus cluster refuses `for update` on a
 * query with a correlated subquery ("could not run distributed query with FOR UPDATE/SHARE commands") and routes
 * this join of two colocated tables to the workspace's shard. The same row and lock on one PostgreSQL: every
 * submission has its form (`form_id` is not null, a cascading key).
 */
export async function selectSubmission(
  trx: Tx,
  workspaceId: string,
  id: string,
  options: { lock?: boolean } = {},
): Promise<SubmissionRow | undefined> {
  const ws = workspaceLiteral(workspaceId);
  const { rows } = options.lock
    ? await sql<SubmissionRow>`
    select s.id::text, s.form_id::text as "formId", f.target, s.status, s.reasons, s.submitted,
      s.utm_source as "utmSource", s.utm_medium as "utmMedium", s.utm_campaign as "utmCampaign", s.referrer, s.ip,
      s.user_agent as "userAgent", s.record_id::text as "recordId", s.released_by::text as "releasedBy",
      s.released_at as "releasedAt", s.created_at as "createdAt"
    from web_form_submissions s
    join web_forms f on f.workspace_id = s.workspace_id and f.id = s.form_id
    where s.workspace_id = ${workspaceId} and s.id = ${id}
    for update of s`.execute(trx.withoutPlugins())
    : await sql<SubmissionRow>`
    select ${submissionColumns(ws)} from web_form_submissions where workspace_id = ${ws} and id = ${id}`.execute(
        trx.withoutPlugins(),
      );
  return rows[0];
}

/** A page of submissions, newest first (keyset on the time-ordered id). */
export async function selectSubmissions(
  trx: Tx,
  workspaceId: string,
  filter: { status?: string | undefined; formId?: string | undefined; before?: string | undefined },
  limit: number,
): Promise<SubmissionRow[]> {
  const ws = workspaceLiteral(workspaceId);
  const { rows } = await sql<SubmissionRow>`
    select ${submissionColumns(ws)} from web_form_submissions
    where workspace_id = ${ws}
      ${filter.status ? sql`and status = ${filter.status}` : sql``}
      ${filter.formId ? sql`and form_id = ${filter.formId}` : sql``}
      ${filter.before ? sql`and id < ${filter.before}` : sql``}
    order by id desc limit ${limit}`.execute(trx.withoutPlugins());
  return rows;
}

/** The submission that made a record of a target object, if one did. */
export async function selectSubmissionOfRecord(
  trx: Tx,
  workspaceId: string,
  target: string,
  recordId: string,
): Promise<(SubmissionRow & { formName: string }) | undefined> {
  const { rows } = await sql<SubmissionRow & { formName: string }>`
    select s.id::text, s.form_id::text as "formId", f.target, s.status, s.reasons, s.submitted, s.utm_source as "utmSource",
      s.utm_medium as "utmMedium", s.utm_campaign as "utmCampaign", s.referrer, s.ip, s.user_agent as "userAgent",
      s.record_id::text as "recordId", s.released_by::text as "releasedBy", s.released_at as "releasedAt",
      s.created_at as "createdAt", f.name as "formName"
    from web_form_submissions s join web_forms f on f.workspace_id = s.workspace_id and f.id = s.form_id
    where s.workspace_id = ${workspaceId} and s.record_id = ${recordId} and f.target = ${target}
    limit 1`.execute(trx.withoutPlugins());
  return rows[0];
}

export async function markReleased(
  trx: Tx,
  workspaceId: string,
  id: string,
  recordId: string,
  releasedBy: string | null,
): Promise<void> {
  await sql`
    update web_form_submissions set status = 'accepted', record_id = ${recordId}, released_by = ${releasedBy},
      released_at = now()
    where workspace_id = ${workspaceId} and id = ${id}`.execute(trx.withoutPlugins());
}

export async function deleteQuarantined(trx: Tx, workspaceId: string, id: string): Promise<boolean> {
  const result = await sql`
    delete from web_form_submissions where workspace_id = ${workspaceId} and id = ${id}
      and status = 'quarantined'`.execute(trx.withoutPlugins());
  return Number(result.numAffectedRows ?? 0) > 0;
}

export async function selectFormKey(trx: Tx, workspaceId: string): Promise<string | undefined> {
  const { rows } = await sql<{ sealed_key: string }>`
    select sealed_key from web_form_keys where workspace_id = ${workspaceId}`.execute(trx.withoutPlugins());
  return rows[0]?.sealed_key;
}

export async function upsertFormKey(trx: Tx, workspaceId: string, sealed: string): Promise<void> {
  await sql`
    insert into web_form_keys (workspace_id, sealed_key) values (${workspaceId}, ${sealed})
    on conflict (workspace_id) do nothing`.execute(trx.withoutPlugins());
}

/** Marks a challenge spent; false when it already was (a replay). Spent challenges past expiry are forgotten. */
export async function insertSpentChallenge(
  trx: Tx,
  workspaceId: string,
  signature: string,
  expiresAt: Date,
): Promise<boolean> {
  await sql`delete from web_form_spent_challenges where workspace_id = ${workspaceId} and expires_at < now()`.execute(
    trx.withoutPlugins(),
  );
  const { rows } = await sql<{ signature: string }>`
    insert into web_form_spent_challenges (workspace_id, signature, expires_at)
    values (${workspaceId}, ${signature}, ${expiresAt}) on conflict do nothing returning signature`.execute(
    trx.withoutPlugins(),
  );
  return rows.length > 0;
}
