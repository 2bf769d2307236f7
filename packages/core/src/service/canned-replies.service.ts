import type { Tx } from '@rabita/db';
import { normalizeText } from '@rabita/shared';
import { can, type Principal } from '../auth/principal.ts';
import { inWorkspace, type ServiceContext } from '../context.ts';
import { AppError } from '../errors/app-error.ts';
import { isUuid, newId } from '../ids.ts';
import { getWorkspace } from '../workspaces/workspaces.service.ts';
import {
  chooseBody,
  mergeContext,
  REPLY_LANGUAGES,
  renderText,
  templateProblems,
} from './canned-replies.render.ts';
import {
  type CannedReplyRow,
  cannedRepliesPage,
  deleteCannedReplyRow,
  findCannedReply,
  type ReplyBodies,
  type ReplyLanguage,
  shortcutTaken,
  upsertCannedReply,
} from './canned-replies.repository.ts';
import { macrosUsingReply } from './macros.repository.ts';

export const MANAGE_REPLIES = 'service.replies.manage';

export interface CannedReplyInput {
  name: string;
  /** Typed after `/` in the composer; letters, digits, `-` and `_`, kept lower-case. */
  shortcut?: string | null | undefined;
  folder?: string | null | undefined;
  /** The body per language (at least one), with merge fields such as `{{ requester.firstName }}`. */
  bodies: ReplyBodies;
  /** Shared with the workspace (needs `service.replies.manage`), or the author's own (the default). */
  shared?: boolean | undefined;
}

export type CannedReplyView = CannedReplyRow;

/** A canned reply the caller may use (shared, or their own); not found otherwise. */
export async function usableReply(
  trx: Tx,
  principal: Principal,
  id: string,
  options: { lock?: boolean } = {},
): Promise<CannedReplyRow> {
  const row = isUuid(id) ? await findCannedReply(trx, principal.workspaceId, id, options) : undefined;
  if (!row || (!row.shared && (row.ownerUserId === null || row.ownerUserId !== principal.userId)))
    throw new AppError('not_found', `There is no canned reply ${id}.`);
  return row;
}

/** Shared replies are changed by those with `service.replies.manage`; personal ones by their owner. */
function assertMayChange(principal: Principal, reply: { shared: boolean; ownerUserId: string | null }) {
  if (
    reply.shared
      ? can(principal, MANAGE_REPLIES)
      : reply.ownerUserId !== null && reply.ownerUserId === principal.userId
  )
    return;
  throw new AppError(
    'forbidden',
    reply.shared
      ? `Shared canned replies are changed by those with ${MANAGE_REPLIES}; keep this one as your own instead.`
      : 'A personal canned reply is changed by its owner only.',
  );
}

function checkInput(input: CannedReplyInput): void {
  const written = REPLY_LANGUAGES.filter((l) => (input.bodies[l] ?? '').trim() !== '');
  const problems = templateProblems(REPLY_LANGUAGES.map((l) => [`bodies.${l}`, input.bodies[l]]));
  if (written.length === 0)
    problems.push({ field: 'bodies', message: 'Write the reply in at least one language (en, ar or fa).' });
  if (problems.length > 0)
    throw new AppError('validation_failed', 'The canned reply has errors.', { errors: problems });
}

/** A page of the replies the caller may use, by name; `q` finds by name, shortcut or folder (folded). */
export function listCannedReplies(
  ctx: ServiceContext,
  page: { limit: number; after?: string | undefined; q?: string | undefined },
): Promise<{ data: CannedReplyView[]; nextCursor: string | null }> {
  const search = page.q ? normalizeText(page.q.replace(/^\//, '')) : '';
  return inWorkspace(ctx, async (trx, workspaceId) => {
    const rows = await cannedRepliesPage(trx, workspaceId, ctx.principal.userId, {
      limit: page.limit + 1,
      after: page.after,
      search: search || undefined,
    });
    const more = rows.length > page.limit;
    return { data: rows.slice(0, page.limit), nextCursor: more ? rows[page.limit - 1]!.id : null };
  });
}

/** One reply the caller may use. */
export function getCannedReply(ctx: ServiceContext, id: string): Promise<CannedReplyView> {
  return inWorkspace(ctx, (trx) => usableReply(trx, ctx.principal, id));
}

/**
 * Creates (`id` undefined) or changes a canned reply. A personal reply belongs to a person (an API key keeps none);
 * making one shared, or changing a shared one, needs `service.replies.manage`; a reply a macro sends stays shared.
 */
export async function saveCannedReply(
  ctx: ServiceContext,
  id: string | undefined,
  input: CannedReplyInput,
): Promise<CannedReplyView> {
  checkInput(input);
  const { principal } = ctx;
  return inWorkspace(ctx, async (trx, workspaceId) => {
    const current = id === undefined ? undefined : await usableReply(trx, principal, id, { lock: true });
    if (current) assertMayChange(principal, current);
    const shared = input.shared ?? current?.shared ?? false;
    const ownerUserId = current?.ownerUserId ?? principal.userId;
    if (!shared && ownerUserId === null)
      throw new AppError('forbidden', 'A personal canned reply belongs to a person: sign in to keep one.');
    assertMayChange(principal, { shared, ownerUserId });
    const key = current?.id ?? newId();
    if (current?.shared && !shared) {
      const macros = await macrosUsingReply(trx, workspaceId, key);
      if (macros.length > 0)
        throw new AppError('conflict', `Macros send this reply (${macros.join(', ')}): it stays shared.`, {
          errors: [{ field: 'shared', message: 'Used by a macro.' }],
        });
    }
    const shortcut = input.shortcut ? input.shortcut.toLowerCase() : null;
    if (shortcut && (await shortcutTaken(trx, workspaceId, { id: key, shortcut, shared, ownerUserId })))
      throw new AppError('conflict', `The shortcut /${shortcut} is taken: choose another.`, {
        errors: [{ field: 'shortcut', message: 'Taken by another reply.' }],
      });
    const folder = input.folder?.trim() || null;
    const bodies = Object.fromEntries(
      REPLY_LANGUAGES.filter((l) => (input.bodies[l] ?? '').trim() !== '').map((l) => [l, input.bodies[l]!]),
    ) as ReplyBodies;
    await upsertCannedReply(trx, workspaceId, {
      id: key,
      name: input.name,
      shortcut,
      folder,
      bodies,
      shared,
      ownerUserId,
      searchText: normalizeText([input.name, shortcut, folder].filter(Boolean).join(' ')),
    });
    return (await findCannedReply(trx, workspaceId, key))!;
  });
}

/** Deletes a reply the caller may change; one a macro sends is kept (409) until the macro lets it go. */
export async function deleteCannedReply(ctx: ServiceContext, id: string): Promise<void> {
  await inWorkspace(ctx, async (trx, workspaceId) => {
    const row = await usableReply(trx, ctx.principal, id, { lock: true });
    assertMayChange(ctx.principal, row);
    const macros = await macrosUsingReply(trx, workspaceId, row.id);
    if (macros.length > 0)
      throw new AppError('conflict', `Macros send this reply (${macros.join(', ')}): change them first.`);
    await deleteCannedReplyRow(trx, workspaceId, row.id);
  });
}

/**
 * A reply rendered for a ticket as the caller sees it: the body in the ticket's language (else the workspace's,
 * else any), merge fields filled from what the caller may read.
 */
export async function renderCannedReply(
  ctx: ServiceContext,
  id: string,
  ticketId: string,
): Promise<{ body: string; language: ReplyLanguage }> {
  const workspace = await getWorkspace(ctx);
  return inWorkspace(ctx, async (trx) => {
    const reply = await usableReply(trx, ctx.principal, id);
    const { context, language } = await mergeContext(trx, ctx.principal, ticketId, workspace);
    const chosen = chooseBody(reply.bodies, language, workspace.defaultLocale);
    return {
      body: await renderText(chosen.source, context, `bodies.${chosen.language}`),
      language: chosen.language,
    };
  });
}
