// Print tokens: how the server's own browser opens a print view as a viewer without holding their session.
//
// A token is `<workspace id>.<32 random bytes, base64url>`; only the SHA-256 of the secret part is stored, with the
// person it acts for, the one thing it opens (`report` and its id; a later print view names its own kind) and an
// expiry a minute away. Redeeming it deletes it in the same statement (single use) and answers with what that one
// view needs, read as that person at that moment. It is never a session: no cookie is set, the auth hook does not
// know it, and no other route accepts it, so it reads one report once and nothing else.
import { createHash, randomBytes } from 'node:crypto';
import { type Database, withWorkspace } from '@rabita/db';
import { principalForMember } from '../auth/members.service.ts';
import { can, type Principal } from '../auth/principal.ts';
import type { ServiceContext } from '../context.ts';
import { AppError } from '../errors/app-error.ts';
import { listObjectDefs } from '../metadata/metadata.service.ts';
import type { ObjectDef } from '../metadata/metadata.types.ts';
import { getRecord } from '../records/get-record.ts';
import { getUser } from '../users/users.service.ts';
import { listMembers } from '../workspaces/members.service.ts';
import { type DashboardView, getDashboard } from './dashboards.service.ts';
import { runDashboardWidget, type WidgetRun } from './dashboards-run.ts';
import { deletePrintToken, insertPrintToken, takePrintToken } from './export.repository.ts';
import type { ReportResult } from './run-report.ts';
import { runSavedReport, type SavedReportView } from './saved-reports.service.ts';

/** How long a print token lives: long enough for a browser to start and load the page, no more. */
export const PRINT_TOKEN_TTL_MS = 60_000;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const TOKEN = /^([0-9a-f-]{36})\.([A-Za-z0-9_-]{43})$/;

const hashOf = (secret: string) => createHash('sha256').update(secret).digest();

/** A new single-use token for one print view of one thing as one person. */
export async function issuePrintToken(
  db: Database,
  input: { workspaceId: string; userId: string; target: string; targetId: string; ttlMs?: number },
): Promise<{ token: string; revoke(): Promise<void> }> {
  const secret = randomBytes(32).toString('base64url');
  const hash = hashOf(secret);
  await withWorkspace(db, input.workspaceId, (trx) =>
    insertPrintToken(trx, input.workspaceId, {
      hash,
      userId: input.userId,
      target: input.target,
      targetId: input.targetId,
      expiresAt: new Date(Date.now() + (input.ttlMs ?? PRINT_TOKEN_TTL_MS)),
    }),
  );
  return {
    token: `${input.workspaceId}.${secret}`,
    // A render that ended (or failed) before the page spent the token leaves nothing usable behind.
    revoke: () =>
      withWorkspace(db, input.workspaceId, (trx) => deletePrintToken(trx, input.workspaceId, hash)),
  };
}

/**
 * Spends a print token of the kind given and answers as whom and for what: the person's principal as their role
 * is now. Unknown, spent, expired, of another kind, or of someone no longer a member: 401, all alike.
 */
export async function redeemPrintToken(
  db: Database,
  token: string,
  target: string,
): Promise<{ ctx: ServiceContext; targetId: string }> {
  const refused = () => new AppError('unauthenticated', 'This print link is unknown, used or expired.');
  const match = TOKEN.exec(token);
  if (!match || !UUID.test(match[1]!)) throw refused();
  const workspaceId = match[1]!.toLowerCase();
  const row = await withWorkspace(db, workspaceId, (trx) =>
    takePrintToken(trx, workspaceId, hashOf(match[2]!)),
  );
  if (!row?.live || row.target !== target) throw refused();
  const principal: Principal | undefined = await principalForMember(db, row.userId, workspaceId);
  if (!principal) throw refused();
  return { ctx: { db, principal }, targetId: row.targetId };
}

/** What the report's print view draws: the report, its answer as the viewer, and how the viewer reads. */
export interface ReportPrintBundle {
  report: Pick<SavedReportView, 'id' | 'name' | 'description' | 'definition'>;
  result: ReportResult;
  viewer: { name: string; locale: string; calendar: string; digits: string; timeZone: string };
  /** The report's object as the viewer sees it (labels, options), for naming groups and filters. */
  object: Record<string, unknown> | null;
  /** Names of the members a "person" grouping shows (only for a viewer who may list members). */
  members: { userId: string; name: string }[];
  generatedAt: string;
}

/** Spends a report print token and answers with what its print view needs, run as the token's person. */
export async function reportPrintBundle(db: Database, token: string): Promise<ReportPrintBundle> {
  const { ctx, targetId } = await redeemPrintToken(db, token, 'report');
  const { report, result } = await runSavedReport(ctx, targetId);
  const user = await getUser(db, ctx.principal.userId!);
  const objects = await listObjectDefs(ctx);
  const object = objects.find((o) => o.key === result.object) ?? null;
  const userDims = result.dimensions.flatMap((d, i) => (d.type === 'user' ? [i] : []));
  const keys = new Set(result.rows.flatMap((r) => userDims.map((i) => r.keys[i])));
  const members =
    userDims.length > 0 && can(ctx.principal, 'members.read')
      ? (await listMembers(ctx))
          .filter((m) => keys.has(m.userId))
          .map((m) => ({ userId: m.userId, name: m.name }))
      : [];
  return {
    report: {
      id: report.id,
      name: report.name,
      description: report.description,
      definition: report.definition,
    },
    result,
    viewer: {
      name: user.name,
      locale: user.locale,
      calendar: user.calendar,
      digits: user.digits,
      timeZone: user.timeZone,
    },
    object: object ? publicObject(object) : null,
    members,
    generatedAt: new Date().toISOString(),
  };
}

/**
 * An object as `GET /metadata/objects` shows it (labels, fields, options, relations), without what only the server
 * needs (tables, columns, index ties).
 */
function publicObject(o: ObjectDef): Record<string, unknown> {
  return {
    key: o.key,
    labels: o.labels,
    custom: o.custom,
    titleFields: o.titleFields,
    ...(o.localizedTitle ? { localizedTitle: o.localizedTitle } : {}),
    ...(o.subtitleField ? { subtitleField: o.subtitleField } : {}),
    fields: o.fields.map((f) => ({
      key: f.key,
      type: f.type,
      labels: f.labels,
      custom: f.custom,
      required: f.required,
      unique: f.unique,
      searchable: f.searchable,
      ...(f.readOnly !== undefined ? { readOnly: f.readOnly } : {}),
      ...(f.defaultValue !== undefined ? { defaultValue: f.defaultValue } : {}),
      ...(f.options ? { options: f.options } : {}),
      ...(f.relation ? { relation: f.relation } : {}),
      ...(f.currency ? { currency: f.currency } : {}),
      ...(f.maxLength !== undefined ? { maxLength: f.maxLength } : {}),
    })),
  };
}

/** What a dashboard's print view draws: the dashboard, every widget's answer as the viewer, how the viewer reads. */
export interface DashboardPrintBundle {
  dashboard: DashboardView;
  /** Each widget's run, as `POST /dashboards/{id}/widgets/{widgetId}/run` answers it with the saved filters. */
  runs: WidgetRun[];
  viewer: ReportPrintBundle['viewer'];
  /** The objects as the viewer sees them (labels, options), for naming groups, columns and filters. */
  objects: Record<string, unknown>[];
  /** Member names, for a viewer who may list members (groupings by person, the owner filter). */
  members: { userId: string; name: string }[];
  /**
   * The records list widgets link to (a deal's stage, a person's company), with only their title fields, read as
   * the viewer through the record engine's gate: the page names them without asking the server for each.
   */
  linked: { object: string; id: string; record: Record<string, unknown> }[];
  generatedAt: string;
}

/** Linked records a dashboard's print view names at most (titles of list widgets' relations). */
const MAX_LINKED = 200;

/** The titles of the records the list widgets' relation fields point to, as the viewer may read them. */
async function linkedTitles(
  ctx: ServiceContext,
  runs: WidgetRun[],
  objects: ObjectDef[],
): Promise<DashboardPrintBundle['linked']> {
  const wanted = new Map<string, { object: string; id: string }>();
  for (const run of runs) {
    if (run.data?.kind !== 'list') continue;
    const def = objects.find((o) => o.key === (run.data as { object: string }).object);
    for (const record of run.data.records as Record<string, unknown>[])
      for (const f of def?.fields ?? []) {
        if (f.type !== 'relation' || !f.relation) continue;
        const value = record[f.key];
        for (const id of Array.isArray(value) ? value : [value])
          if (typeof id === 'string' && wanted.size < MAX_LINKED)
            wanted.set(`${f.relation.object}:${id}`, { object: f.relation.object, id });
      }
  }
  const linked: DashboardPrintBundle['linked'] = [];
  for (const { object, id } of wanted.values()) {
    const def = objects.find((o) => o.key === object);
    if (!def) continue;
    const fields = [
      ...new Set(['id', ...def.titleFields, ...Object.values(def.localizedTitle ?? {}).filter(Boolean)]),
    ] as string[];
    // A record the viewer may not read (or that is gone) stays unnamed, as on screen.
    const record = await getRecord(ctx, object, id, fields).catch(() => null);
    if (record) linked.push({ object, id, record: record as Record<string, unknown> });
  }
  return linked;
}

/**
 * Spends a dashboard print token and answers with what its print view needs: the dashboard as the token's person
 * may open it and each widget run as them (their role now: a widget they may not see is refused, as on screen).
 */
export async function dashboardPrintBundle(db: Database, token: string): Promise<DashboardPrintBundle> {
  const { ctx, targetId } = await redeemPrintToken(db, token, 'dashboard');
  const dashboard = await getDashboard(ctx, targetId);
  const runs: WidgetRun[] = [];
  // One at a time: a dashboard has at most 48 widgets, and the render waits for all of them anyway.
  for (const widget of dashboard.layout) runs.push(await runDashboardWidget(ctx, dashboard.id, widget.id));
  const user = await getUser(db, ctx.principal.userId!);
  const defs = await listObjectDefs(ctx);
  const members = can(ctx.principal, 'members.read')
    ? (await listMembers(ctx)).map((m) => ({ userId: m.userId, name: m.name }))
    : [];
  return {
    dashboard,
    runs,
    linked: await linkedTitles(ctx, runs, defs),
    viewer: {
      name: user.name,
      locale: user.locale,
      calendar: user.calendar,
      digits: user.digits,
      timeZone: user.timeZone,
    },
    objects: defs.map(publicObject),
    members,
    generatedAt: new Date().toISOString(),
  };
}
