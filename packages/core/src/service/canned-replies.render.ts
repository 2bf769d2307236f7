import type { Tx } from '@rabita/db';
import type { Principal } from '../auth/principal.ts';
import { AppError } from '../errors/app-error.ts';
import { assertSeen, readRecords } from '../records/gate.ts';
import { templateProblem, textEngine } from '../templating/merge-templates.ts';
import { getUser } from '../users/users.service.ts';
import type { ReplyBodies, ReplyLanguage } from './canned-replies.repository.ts';

// Merge fields of a ticket's replies and notes, rendered on the server with the email templates' engine: plain
// text, every merged value isolated (FSI … PDI) and kept on one line. Values come through the record engine's gate
// as the agent may see them, so a field hidden from the agent merges as nothing.

export const REPLY_LANGUAGES: readonly ReplyLanguage[] = ['en', 'ar', 'fa'];

/** What a reply's merge fields read, for one ticket and one agent. */
export type MergeContext = Record<string, unknown>;

/** Each body that does not parse as a template, as field problems under `path` (`bodies.fa`). */
export function templateProblems(parts: [field: string, source: string | null | undefined][]) {
  return parts.flatMap(([field, source]) => {
    const message = source ? templateProblem(textEngine, source) : undefined;
    return message ? [{ field, message }] : [];
  });
}

const nameOf = async (trx: Tx, userId: unknown) => {
  if (typeof userId !== 'string') return undefined;
  const user = await getUser(trx, userId).catch(() => undefined);
  return user ? { name: user.name, email: user.email } : undefined;
};

/**
 * The merge fields of a ticket as `principal` sees it: `ticket` (its fields), `requester` and `company` (the
 * linked person's and company's fields), `assignee` and `agent` (name, email) and `workspace` (name). A record or
 * field the agent may not read is absent, and merges as nothing.
 */
export async function mergeContext(
  trx: Tx,
  principal: Principal,
  ticketId: string,
  workspace: { name: string },
): Promise<{ context: MergeContext; language: string | null }> {
  const ticket = (await readRecords(trx, principal, 'tickets', [ticketId])).get(ticketId);
  assertSeen(ticket !== undefined, 'tickets', ticketId);
  const linked = async (object: string, id: unknown) =>
    typeof id === 'string' ? (await readRecords(trx, principal, object, [id])).get(id) : undefined;
  const context: MergeContext = {
    ticket,
    requester: await linked('people', ticket!.requester),
    company: await linked('companies', ticket!.company),
    assignee: await nameOf(trx, ticket!.owner),
    agent: await nameOf(trx, principal.userId),
    workspace: { name: workspace.name },
  };
  return { context, language: typeof ticket!.language === 'string' ? ticket!.language : null };
}

/**
 * The body in the ticket's language, else the workspace's default language, else the first one written (en, ar, fa
 * in that order).
 */
export function chooseBody(
  bodies: ReplyBodies,
  ticketLanguage: string | null,
  workspaceLanguage: string,
): { language: ReplyLanguage; source: string } {
  const has = (l: unknown): l is ReplyLanguage =>
    REPLY_LANGUAGES.includes(l as ReplyLanguage) && Boolean(bodies[l as ReplyLanguage]);
  const language = [ticketLanguage, workspaceLanguage, ...REPLY_LANGUAGES].find(has) as ReplyLanguage;
  return { language, source: bodies[language]! };
}

/** Renders a reply's or a note's text for a ticket; a template that fails to render is the caller's 400. */
export async function renderText(source: string, context: MergeContext, field: string): Promise<string> {
  let text: string;
  try {
    text = (await textEngine.parseAndRender(source, context)) as string;
  } catch (error) {
    const reason = (error as Error).message.split('\n')[0] ?? 'It could not be rendered.';
    throw new AppError('validation_failed', `The text could not be rendered: ${reason}`, {
      errors: [{ field, message: reason }],
    });
  }
  const trimmed = text.trim();
  // Isolation marks around empty values are not words: a text of nothing else is empty.
  if (trimmed.replace(/[\u2068\u2069\s]/g, '') === '')
    throw new AppError('validation_failed', 'The text is empty for this ticket: write something into it.', {
      errors: [{ field, message: 'Renders empty for this ticket.' }],
    });
  return trimmed;
}
