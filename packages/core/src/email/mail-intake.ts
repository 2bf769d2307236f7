import type { Tx } from '@rabita/db';
import EmailReplyParser from 'email-reply-parser';
import { AppError } from '../errors/app-error.ts';
import type { InboundMail } from '../modules/manifest.ts';
import { type SharedMailbox, sharedMailboxesIn } from './mailboxes.service.ts';

// What every module that takes mail in (the service desk's tickets, sales' leads) does alike: which of a mailbox's
// mail its setting takes, the writer's own words, and its settings shown with the shared mailboxes they name.

/** How much earlier than the moment a mailbox was turned on a message may be dated and still be taken in. */
const CLOCK_SKEW_MS = 5 * 60_000;

/** A module's setting for one shared mailbox: whether it takes mail in, and from when. */
export interface IntakeSetting {
  enabled: boolean;
  since: Date;
}

/**
 * True when a mailbox's setting takes this mail in: turned on, and the mail dated after it was (five minutes'
 * grace for clocks), so a first sync of a mailbox's history takes nothing.
 */
export function takesMail<S extends IntakeSetting>(
  setting: S | undefined,
  mail: Pick<InboundMail, 'sentAt'>,
): setting is S {
  return Boolean(setting?.enabled) && mail.sentAt.getTime() >= setting!.since.getTime() - CLOCK_SKEW_MS;
}

/**
 * The writer's own words in a mail: quoted history (`> …`, "On … wrote:") and signatures cut, and the header line
 * Arabic and Persian mail programs put above a quote ("في … كتب …:", "در تاریخ … نوشت:") with them.
 */
export function visibleText(text: string): string {
  const visible = new EmailReplyParser().read(text).getVisibleText().trim();
  const lines = visible.split('\n');
  const last = lines.at(-1)?.trim() ?? '';
  if (lines.length > 1 && /[:：]$/.test(last) && /@|<|>/.test(last)) lines.pop();
  const kept = lines.join('\n').trim();
  return kept || text.trim();
}

/**
 * A module's mailbox settings with each shared mailbox's name, address and whether it sends, in the settings'
 * order; a setting whose mailbox was removed (or is no longer shared) is left out.
 */
export async function withSharedMailboxes<S extends { mailboxId: string }>(
  trx: Tx,
  workspaceId: string,
  settings: readonly S[],
): Promise<(S & Omit<SharedMailbox, 'id'>)[]> {
  const boxes = new Map(
    (
      await sharedMailboxesIn(
        trx,
        workspaceId,
        settings.map((s) => s.mailboxId),
      )
    ).map((m) => [m.id, m]),
  );
  return settings.flatMap((s) => {
    const box = boxes.get(s.mailboxId);
    return box ? [{ ...s, name: box.name, address: box.address, sends: box.sends }] : [];
  });
}

/** The workspace's shared mailbox `id`; 404 for any other (a personal one, another workspace's, none). */
export async function sharedMailboxOrFail(trx: Tx, workspaceId: string, id: string): Promise<SharedMailbox> {
  const [box] = await sharedMailboxesIn(trx, workspaceId, [id]);
  if (!box)
    throw new AppError('not_found', `There is no shared mailbox ${id}: connect it under Email first.`);
  return box;
}
