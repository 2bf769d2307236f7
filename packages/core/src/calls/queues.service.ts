import type { Tx } from '@rabita/db';
import { can } from '../auth/principal.ts';
import { inWorkspace, type ServiceContext } from '../context.ts';
import { AppError, type FieldProblem } from '../errors/app-error.ts';
import { isUuid, newId } from '../ids.ts';
import { normaliseCallerNumber } from './caller-match.ts';
import { membersAmong, selectDefaultCountry } from './calls.repository.ts';
import {
  countQueues,
  insertQueue,
  keysHeldElsewhere,
  listQueues,
  type QueueKey,
  type QueueRow,
  replaceQueueCodes,
  replaceQueueKeys,
  replaceQueueMembers,
  type ServiceLevel,
  selectQueue,
  softDeleteQueue,
  updateQueue,
} from './queues.repository.ts';
import type { WrapUpCodeInput } from './wrap-up.repository.ts';

/** The most queues a workspace keeps. */
export const MAX_QUEUES = 200;

/** A queue as written: a field left out keeps its value when changing one. */
export interface QueueInput {
  name?: string | undefined;
  keys?: readonly string[] | undefined;
  numbers?: readonly string[] | undefined;
  members?: readonly string[] | undefined;
  wrapUpCodes?: readonly WrapUpCodeInput[] | undefined;
  /** Null: the connection's wrap-up seconds apply. */
  wrapUpSeconds?: number | null | undefined;
  /** Null: no service-level target. */
  serviceLevel?: ServiceLevel | null | undefined;
}

const notFound = () => new AppError('not_found', 'There is no such queue.');
const invalid = (message: string, errors: FieldProblem[]) =>
  new AppError('validation_failed', message, { errors });

/** A queue key folded for matching: trimmed, composed and lower-cased (`Support` and `support` are one queue). */
export const foldQueueKey = (key: string) => key.normalize('NFC').trim().toLowerCase();

/** Arabic-Indic and Persian digits as ASCII ones. */
const asciiDigits = (s: string) =>
  s
    .replace(/[\u0660-\u0669]/g, (d) => String(d.charCodeAt(0) - 0x660))
    .replace(/[\u06f0-\u06f9]/g, (d) => String(d.charCodeAt(0) - 0x6f0));

/** The digits of a number as written (a leading + kept), from a SIP address's user part when it is one. */
export function numberDigits(raw: string): string {
  const user = raw.replace(/^(?:sips?|tel):/i, '').split(/[@;]/)[0] ?? '';
  const ascii = asciiDigits(user);
  const digits = ascii.replace(/[^\d]/g, '');
  return digits === '' ? '' : `${ascii.trim().startsWith('+') ? '+' : ''}${digits}`;
}

/**
 * A queue's number folded for matching: its E.164 form when it reads as a phone number in the workspace's country,
 * else its digits (a short code or an internal DID such as `800`).
 */
export function foldQueueNumber(raw: string, country: string): string {
  return normaliseCallerNumber(raw, { country, stripPrefixes: [] }).e164 ?? numberDigits(raw);
}

/** The forms a call's dialled number may match a queue's numbers in: its E.164 form and its bare digits. */
export function dialledForms(toRaw: string, toE164: string | null): string[] {
  const forms = new Set<string>();
  if (toE164) forms.add(toE164);
  const digits = numberDigits(toRaw);
  if (digits.replace('+', '').length >= 2) forms.add(digits);
  return [...forms];
}

function checkCodes(codes: readonly WrapUpCodeInput[]) {
  const seen = new Set<string>();
  codes.forEach((c, i) => {
    if (seen.has(c.code))
      throw invalid(`The code "${c.code}" is given twice.`, [
        { field: `wrapUpCodes.${i}.code`, message: 'Given twice.' },
      ]);
    seen.add(c.code);
  });
}

/** The keys and numbers as kept, each folded; a key or number given twice (once folded) is refused. */
function foldKeys(
  input: { keys: readonly string[]; numbers: readonly string[] },
  country: string,
): QueueKey[] {
  const out: QueueKey[] = [];
  const seen = new Map<string, string>();
  const add = (kind: 'key' | 'number', raw: string, i: number) => {
    const value = raw.normalize('NFC').trim();
    const match = kind === 'key' ? foldQueueKey(value) : foldQueueNumber(value, country);
    const field = `${kind === 'key' ? 'keys' : 'numbers'}.${i}`;
    if (kind === 'number' && match.replace('+', '').length < 2)
      throw invalid('A number needs at least two digits.', [{ field, message: 'Not a number.' }]);
    if (seen.has(`${kind}:${match}`))
      throw invalid(`"${value}" is given twice.`, [{ field, message: 'Given twice.' }]);
    seen.set(`${kind}:${match}`, field);
    out.push({ kind, value, match });
  };
  for (const [i, k] of input.keys.entries()) add('key', k, i);
  for (const [i, n] of input.numbers.entries()) add('number', n, i);
  return out;
}

/** Writes a queue's keys, numbers, members and codes as given (those left undefined keep theirs). */
async function writeParts(trx: Tx, ws: string, id: string, input: QueueInput, before?: QueueRow) {
  if (input.members !== undefined) {
    const ids = [...new Set(input.members)];
    const members = await membersAmong(
      trx,
      ws,
      ids.filter((m) => isUuid(m)),
    );
    const problems = input.members.flatMap((m, i) =>
      members.has(m) ? [] : [{ field: `members.${i}`, message: 'Not a member of this workspace.' }],
    );
    if (problems.length > 0)
      throw invalid('Each member of a queue must be a member of this workspace.', problems);
    await replaceQueueMembers(trx, ws, id, ids);
  }
  if (input.keys !== undefined || input.numbers !== undefined) {
    const keys = foldKeys(
      { keys: input.keys ?? before?.keys ?? [], numbers: input.numbers ?? before?.numbers ?? [] },
      await selectDefaultCountry(trx, ws),
    );
    const held = await keysHeldElsewhere(trx, ws, id, keys);
    const fieldOf = (k: QueueKey) => {
      const list = keys.filter((x) => x.kind === k.kind);
      return `${k.kind === 'key' ? 'keys' : 'numbers'}.${list.indexOf(k)}`;
    };
    if (held.length > 0)
      throw invalid(
        'A key or number names one queue only.',
        held.map((h) => {
          const mine = keys.find((k) => k.kind === h.kind && k.match === h.match)!;
          return { field: fieldOf(mine), message: `Already the queue “${h.name}”’s.` };
        }),
      );
    // Another queue took one of them since it was checked (two admins at once): refused, nothing kept.
    if ((await replaceQueueKeys(trx, ws, id, keys)) < keys.length)
      throw new AppError('conflict', 'Another queue took one of these keys or numbers just now; try again.');
  }
  if (input.wrapUpCodes !== undefined) {
    checkCodes(input.wrapUpCodes);
    await replaceQueueCodes(trx, ws, id, input.wrapUpCodes);
  }
}

const mayManage = (ctx: ServiceContext) => {
  if (!can(ctx.principal, 'calls.manage'))
    throw new AppError('forbidden', 'Your role may not change the call queues (calls.manage).');
};

/** The workspace's call queues, by name. */
export function getQueues(ctx: ServiceContext): Promise<QueueRow[]> {
  return inWorkspace(ctx, (trx, ws) => listQueues(trx, ws));
}

/** One call queue. */
export async function getQueue(ctx: ServiceContext, id: string): Promise<QueueRow> {
  if (!isUuid(id)) throw notFound();
  const row = await inWorkspace(ctx, (trx, ws) => selectQueue(trx, ws, id));
  if (!row) throw notFound();
  return row;
}

/** Makes a call queue: its name, the keys and numbers that name it, its members, codes and after-call seconds. */
export async function createQueue(
  ctx: ServiceContext,
  input: QueueInput & { name: string },
): Promise<QueueRow> {
  mayManage(ctx);
  const id = newId();
  return inWorkspace(ctx, async (trx, ws) => {
    if ((await countQueues(trx, ws)) >= MAX_QUEUES)
      throw new AppError('conflict', `A workspace keeps at most ${MAX_QUEUES} queues.`);
    await insertQueue(trx, {
      workspaceId: ws,
      id,
      name: input.name.trim(),
      wrapUpSeconds: input.wrapUpSeconds ?? null,
      serviceLevel: input.serviceLevel ?? null,
    });
    await writeParts(trx, ws, id, { ...input, keys: input.keys ?? [], numbers: input.numbers ?? [] });
    return (await selectQueue(trx, ws, id))!;
  });
}

/** Changes a call queue; the calls that went through it keep it. */
export async function changeQueue(ctx: ServiceContext, id: string, input: QueueInput): Promise<QueueRow> {
  mayManage(ctx);
  if (!isUuid(id)) throw notFound();
  return inWorkspace(ctx, async (trx, ws) => {
    const before = await selectQueue(trx, ws, id, { lock: true });
    if (!before) throw notFound();
    await updateQueue(trx, ws, id, {
      name: input.name?.trim(),
      wrapUpSeconds: input.wrapUpSeconds,
      serviceLevel: input.serviceLevel,
    });
    await writeParts(trx, ws, id, input, before);
    return (await selectQueue(trx, ws, id))!;
  });
}

/** Removes a call queue: its keys and numbers are free again; its calls keep their history (and their queue). */
export async function removeQueue(ctx: ServiceContext, id: string): Promise<void> {
  mayManage(ctx);
  if (!isUuid(id)) throw notFound();
  const gone = await inWorkspace(ctx, (trx, ws) => softDeleteQueue(trx, ws, id));
  if (!gone) throw notFound();
}
