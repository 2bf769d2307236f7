import type { Tx } from '@rabita/db';
import type { Liquid } from 'liquidjs';
import { can, type Principal } from '../auth/principal.ts';
import { inWorkspace, type ServiceContext } from '../context.ts';
import { AppError, isAppError } from '../errors/app-error.ts';
import { newId } from '../ids.ts';
import { readRecords } from '../records/gate.ts';
import { htmlEngine, templateProblem, textEngine } from '../templating/merge-templates.ts';
import {
  deleteTemplateRow,
  selectSignature,
  selectTemplate,
  selectTemplates,
  type TemplateRow,
  upsertSignature,
  upsertTemplate,
} from './email.repository.ts';
import { htmlToPlainText, sanitiseEmailHtml } from './message-parse.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
export const TEMPLATE_LANGUAGES = ['en', 'ar', 'fa'] as const;
type Language = (typeof TEMPLATE_LANGUAGES)[number];

export interface TemplateVariant {
  subject?: string | undefined;
  bodyHtml?: string | undefined;
}

export interface TemplateInput {
  name: string;
  subject: string;
  bodyHtml: string;
  /** A subject and body per language (`ar`, `fa`, `en`), chosen by the recipient's preferred language. */
  variants?: Partial<Record<Language, TemplateVariant>> | undefined;
  /** Shared with the workspace (needs `mailboxes.manage`), or the author's own. */
  shared?: boolean | undefined;
}

export interface TemplateView extends Required<Omit<TemplateInput, 'variants'>> {
  id: string;
  variants: Partial<Record<Language, TemplateVariant>>;
  ownerUserId: string | null;
  createdAt: string;
  updatedAt: string;
}

function present(row: TemplateRow): TemplateView {
  return {
    id: row.id,
    name: row.name,
    subject: row.subject,
    bodyHtml: row.body_html,
    variants: row.variants as TemplateView['variants'],
    shared: row.shared,
    ownerUserId: row.owner_user_id,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
  };
}

/** Every Liquid problem in a template's parts, as field errors (a template that does not parse is not saved). */
function checkLiquid(input: TemplateInput): void {
  const errors: { field: string; message: string }[] = [];
  const parts: [string, string | undefined, Liquid][] = [
    ['subject', input.subject, textEngine],
    ['bodyHtml', input.bodyHtml, htmlEngine],
  ];
  for (const [lang, v] of Object.entries(input.variants ?? {})) {
    parts.push(
      [`variants.${lang}.subject`, v?.subject, textEngine],
      [`variants.${lang}.bodyHtml`, v?.bodyHtml, htmlEngine],
    );
  }
  for (const [field, source, engine] of parts) {
    const problem = source === undefined ? undefined : templateProblem(engine, source);
    if (problem) errors.push({ field, message: problem });
  }
  if (errors.length > 0) throw new AppError('validation_failed', 'The template has errors.', { errors });
}

export async function listTemplates(ctx: ServiceContext): Promise<TemplateView[]> {
  return inWorkspace(ctx, async (trx, workspaceId) =>
    (await selectTemplates(trx, workspaceId, ctx.principal.userId)).map(present),
  );
}

/** A template the caller may use (shared, or their own); not found otherwise. */
async function usable(trx: Tx, principal: Principal, id: string): Promise<TemplateRow> {
  const row = UUID.test(id) ? await selectTemplate(trx, principal.workspaceId, id) : undefined;
  if (!row || (!row.shared && row.owner_user_id !== principal.userId))
    throw new AppError('not_found', `There is no email template ${id}.`);
  return row;
}

/** Whether a template is there for this member to use (shared, or their own). */
export async function templateUsable(trx: Tx, principal: Principal, id: string): Promise<boolean> {
  try {
    await usable(trx, principal, id);
    return true;
  } catch (error) {
    if (isAppError(error) && error.code === 'not_found') return false;
    throw error;
  }
}

/** Shared templates are changed by mailbox managers; one's own by its author. */
function assertMayChange(principal: Principal, row: Pick<TemplateRow, 'shared' | 'owner_user_id'>) {
  const allowed = row.shared ? can(principal, 'mailboxes.manage') : row.owner_user_id === principal.userId;
  if (!allowed)
    throw new AppError(
      'forbidden',
      'Shared templates are changed by those with mailboxes.manage; others by their author.',
    );
}

export async function saveTemplate(
  ctx: ServiceContext,
  id: string | undefined,
  input: TemplateInput,
): Promise<TemplateView> {
  checkLiquid(input);
  return inWorkspace(ctx, async (trx, workspaceId) => {
    const shared = input.shared ?? false;
    let owner = ctx.principal.userId;
    if (id !== undefined) {
      const current = await usable(trx, ctx.principal, id);
      assertMayChange(ctx.principal, current);
      owner = current.owner_user_id;
    }
    assertMayChange(ctx.principal, { shared, owner_user_id: owner });
    const key = id ?? newId();
    await upsertTemplate(trx, workspaceId, {
      id: key,
      name: input.name,
      subject: input.subject,
      bodyHtml: input.bodyHtml,
      variants: input.variants ?? {},
      ownerUserId: owner,
      shared,
    });
    return present((await selectTemplate(trx, workspaceId, key))!);
  });
}

export async function deleteTemplate(ctx: ServiceContext, id: string): Promise<void> {
  await inWorkspace(ctx, async (trx, workspaceId) => {
    const row = await usable(trx, ctx.principal, id);
    assertMayChange(ctx.principal, row);
    await deleteTemplateRow(trx, workspaceId, row.id);
  });
}

/** A rendered template: its subject, sanitised HTML, plain text, and the language variant chosen. */
export interface Rendered {
  subject: string;
  html: string;
  text: string;
  language: string | null;
}

/**
 * Renders a template for a record as the sender sees it (the record engine's gate applies: a hidden field merges as
 * nothing): `record`, its `company` and `person` (a deal's primary person), its `owner` and the `sender`. The
 * variant is the recipient person's preferred language when the template has one.
 */
export async function renderTemplateIn(
  trx: Tx,
  principal: Principal,
  templateId: string,
  record: { object: string; id: string } | undefined,
  language?: string | undefined,
): Promise<Rendered & { templateId: string }> {
  const template = await usable(trx, principal, templateId);
  const context: Record<string, unknown> = {};
  const read = async (object: string, id: unknown) => {
    if (typeof id !== 'string') return undefined;
    return (await readRecords(trx, principal, object, [id])).get(id) as Record<string, unknown> | undefined;
  };
  if (record) {
    const view = await read(record.object, record.id);
    if (!view) throw new AppError('not_found', `There is no ${record.object} record ${record.id}.`);
    context.record = view;
    context.company = await read('companies', record.object === 'companies' ? record.id : view.company);
    context.person = record.object === 'people' ? view : await read('people', view.primaryPerson);
    const ownerId = typeof view.owner === 'string' ? view.owner : undefined;
    if (ownerId) {
      const owner = await trx
        .selectFrom('users')
        .select(['name', 'email'])
        .where('id', '=', ownerId)
        .executeTakeFirst();
      context.owner = owner ?? undefined;
    }
  }
  if (principal.userId) {
    const sender = await trx
      .selectFrom('users')
      .select(['name', 'email'])
      .where('id', '=', principal.userId)
      .executeTakeFirst();
    context.sender = sender ?? undefined;
  }
  const preferred = language ?? (context.person as Record<string, unknown> | undefined)?.preferredLanguage;
  const variant =
    typeof preferred === 'string'
      ? (template.variants as Record<string, TemplateVariant>)[preferred]
      : undefined;
  const chosen = variant?.bodyHtml || variant?.subject ? (preferred as string) : null;
  try {
    const subject = await textEngine.parseAndRender(variant?.subject || template.subject, context);
    const body = await htmlEngine.parseAndRender(variant?.bodyHtml || template.body_html, context);
    const html = sanitiseEmailHtml(body, {}).html;
    return {
      templateId: template.id,
      subject: subject.trim(),
      html,
      text: htmlToPlainText(html),
      language: chosen,
    };
  } catch (error) {
    throw new AppError(
      'validation_failed',
      `The template could not be rendered: ${(error as Error).message.split('\n')[0]}`,
      {
        errors: [
          { field: 'templateId', message: (error as Error).message.split('\n')[0] ?? 'Render failed.' },
        ],
      },
    );
  }
}

export async function renderTemplate(
  ctx: ServiceContext,
  templateId: string,
  record: { object: string; id: string } | undefined,
  language?: string | undefined,
): Promise<Rendered> {
  return inWorkspace(ctx, (trx) => renderTemplateIn(trx, ctx.principal, templateId, record, language));
}

export async function getSignature(ctx: ServiceContext): Promise<{ html: string }> {
  if (!ctx.principal.userId) return { html: '' };
  return inWorkspace(ctx, async (trx, workspaceId) => ({
    html: (await selectSignature(trx, workspaceId, ctx.principal.userId!)) ?? '',
  }));
}

export async function setSignature(ctx: ServiceContext, html: string): Promise<{ html: string }> {
  if (!ctx.principal.userId)
    throw new AppError('forbidden', 'A signature belongs to a person: set it signed in.');
  const clean = sanitiseEmailHtml(html, {}).html;
  await inWorkspace(ctx, (trx, workspaceId) =>
    upsertSignature(trx, workspaceId, ctx.principal.userId!, clean),
  );
  return { html: clean };
}
