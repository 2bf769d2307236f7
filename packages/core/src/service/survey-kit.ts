import type { Tx } from '@rabita/db';
import { type Principal, servicePrincipal } from '../auth/principal.ts';
import type { SecretBox } from '../auth/secret-box.ts';
import { createRecordIn } from '../records/create-record.ts';
import { getUser } from '../users/users.service.ts';

// What the desk's surveys share (satisfaction after a resolution, net promoter score): the language a survey
// speaks, its sealed links, the principal it reads and writes as, and the follow-up task of an unhappy answer.

export type SurveyLocale = 'en' | 'ar' | 'fa';
/** Which survey a sealed link is for: each kind opens only its own links. */
export type SurveyKind = 'csat' | 'nps';

/** The survey's language from a ticket's language or a person's preferred one (English when neither). */
export const localeOf = (value: unknown): SurveyLocale => (value === 'ar' || value === 'fa' ? value : 'en');

/** `{name}` placeholders filled from `values` (a missing one becomes empty). */
export const fill = (text: string, values: Record<string, string>) =>
  text.replace(/\{(\w+)\}/g, (_, k: string) => values[k] ?? '');

const NUMBER_LOCALES: Record<SurveyLocale, string> = { en: 'en', ar: 'ar-u-nu-arab', fa: 'fa-IR' };

/**
 * A number in the language's own digits (Persian and Arabic-Indic), as its readers write it. Arabic names its
 * digits: plain `ar` formats with Latin digits in current ICU.
 */
export function localDigits(locale: SurveyLocale, n: number): string {
  return new Intl.NumberFormat(NUMBER_LOCALES[locale], { useGrouping: false }).format(n);
}

/**
 * The principal surveys read and write as: no person; reads tickets and people (the address, language and owner),
 * creates the follow-up task of an unhappy answer.
 */
export function surveyPrincipal(workspaceId: string): Principal {
  return servicePrincipal(workspaceId, {
    id: '00000000-0000-0000-0000-000000000000',
    key: 'serviceSurveys',
    name: 'Service desk surveys',
    permissions: {
      actions: [],
      objects: {
        tickets: { read: true, create: false, update: false, delete: false },
        people: { read: true, create: false, update: false, delete: false },
        tasks: { read: true, create: true, update: false, delete: false },
      },
    },
  });
}

/** The sealed part of a survey's links: which kind, workspace and survey, unforgeable without the server's key. */
export function sealSurveyToken(
  box: SecretBox,
  kind: SurveyKind,
  workspaceId: string,
  surveyId: string,
): string {
  return box.seal(`${kind} ${workspaceId} ${surveyId}`);
}

/** The workspace and survey a link names, when it was sealed here for this kind of survey and names a uuid. */
export function openSurveyToken(
  box: SecretBox,
  kind: SurveyKind,
  token: string,
): { workspaceId: string; surveyId: string } | undefined {
  if (token.length > 2000) return undefined;
  try {
    const [sealedKind, workspaceId, surveyId] = box.open(token).split(' ');
    return sealedKind === kind && workspaceId && surveyId && /^[0-9a-f-]{36}$/i.test(surveyId)
      ? { workspaceId, surveyId }
      : undefined;
  } catch {
    return undefined;
  }
}

/** What an unhappy answer's follow-up task is called, per survey and language (`{…}` filled by followUpTitle). */
const FOLLOW_UP_TITLES: Record<SurveyKind, Record<SurveyLocale, string>> = {
  csat: {
    en: 'Follow up: rating {rating}/{max} on ticket #{number}',
    ar: 'متابعة: تقييم {rating} من {max} على التذكرة رقم {number}',
    fa: 'پیگیری: امتیاز {rating} از {max} برای تیکت شمارهٔ {number}',
  },
  nps: {
    en: 'Follow up: NPS {rating}/{max} from {name}{ticket}',
    ar: 'متابعة: درجة NPS {rating} من {max} — {name}{ticket}',
    fa: 'پیگیری: امتیاز NPS {rating} از {max} — {name}{ticket}',
  },
};
const TICKET_SUFFIX: Record<SurveyLocale, string> = {
  en: ' (ticket #{number})',
  ar: ' (التذكرة رقم {number})',
  fa: ' (تیکت شمارهٔ {number})',
};
const SOMEONE: Record<SurveyLocale, string> = { en: 'a customer', ar: 'عميل', fa: 'یک مشتری' };

/**
 * The follow-up task's title in the language of the person it is for (the one who will read it), numbers in that
 * language's digits: a rating out of 5 (CSAT, on a ticket) or a score out of 10 (NPS, from a person, on a ticket
 * when a resolution sent it).
 */
export function followUpTitle(
  kind: SurveyKind,
  locale: SurveyLocale,
  answer: { rating: number; ticketNumber?: number | undefined; name?: string | undefined },
): string {
  const digits = (n: number | undefined) => (n === undefined ? '' : localDigits(locale, n));
  return fill(FOLLOW_UP_TITLES[kind][locale], {
    rating: digits(answer.rating),
    max: digits(kind === 'csat' ? 5 : 10),
    number: digits(answer.ticketNumber),
    name: answer.name?.trim() || SOMEONE[locale],
    ticket:
      answer.ticketNumber === undefined
        ? ''
        : fill(TICKET_SUFFIX[locale], { number: digits(answer.ticketNumber) }),
  });
}

/**
 * Opens the high-priority follow-up task of an unhappy answer, linked to the ticket or person it is about, for
 * `owner` (assigned to them) when there is one, due in a day, titled in the owner's language; its id.
 */
export async function openFollowUpTask(
  trx: Tx,
  workspaceId: string,
  task: {
    answer: Parameters<typeof followUpTitle>[2];
    linkedObject: 'tickets' | 'people';
    linkedRecord: string;
    owner: string | null;
    cause: { kind: SurveyKind; surveyId: string };
  },
): Promise<string> {
  const reader = task.owner ? await getUser(trx, task.owner).catch(() => undefined) : undefined;
  const title = followUpTitle(task.cause.kind, localeOf(reader?.locale), task.answer);
  const created = await createRecordIn(
    trx,
    surveyPrincipal(workspaceId),
    'tasks',
    {
      title: title.slice(0, 500),
      linkedObject: task.linkedObject,
      linkedRecord: task.linkedRecord,
      priority: 'high',
      ...(task.owner ? { assignee: task.owner, owner: task.owner } : {}),
      dueAt: new Date(Date.now() + 86_400_000).toISOString(),
    },
    { source: 'system', cause: { kind: task.cause.kind, runId: task.cause.surveyId, depth: 0 } },
  );
  return String(created.id);
}
