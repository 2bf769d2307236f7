import type { ObjectDef } from '../metadata/metadata.types.ts';
import { field } from '../metadata/standard-objects.ts';

const kept = { readOnly: true } as const;

/**
 * The messages members sent from Rabita, kept by the email module (a view over its messages, `email-0008-sends`):
 * who sent one, from which template, and when it was sent, first opened, clicked, replied to or bounced —
 * never its subject, body or addresses, which stay behind the mailboxes' own access rules. Read like any object
 * (lists, filters, reports, exports, the roles' rules: "own records only" reads one's own sends); never written.
 */
export const emailSends: ObjectDef = {
  key: 'emailSends',
  position: 95,
  labels: {
    singular: { en: 'Sent email', ar: 'بريد مُرسَل', fa: 'ایمیل ارسال‌شده' },
    plural: { en: 'Sent emails', ar: 'الرسائل المُرسَلة', fa: 'ایمیل‌های ارسال‌شده' },
  },
  custom: false,
  table: 'email_sends',
  keptBy: 'email',
  titleFields: ['template'],
  fields: [
    field('template', 'template', { en: 'Template', ar: 'القالب', fa: 'قالب' }, { type: 'text', ...kept }),
    field(
      'sentAt',
      'sent_at',
      { en: 'Sent', ar: 'أُرسل في', fa: 'ارسال‌شده در' },
      { type: 'dateTime', ...kept },
    ),
    field(
      'openedAt',
      'opened_at',
      { en: 'First opened', ar: 'أول فتح', fa: 'اولین باز شدن' },
      { type: 'dateTime', ...kept },
    ),
    field(
      'clickedAt',
      'clicked_at',
      { en: 'First clicked', ar: 'أول نقرة', fa: 'اولین کلیک' },
      { type: 'dateTime', ...kept },
    ),
    field(
      'repliedAt',
      'replied_at',
      { en: 'Replied', ar: 'تم الرد في', fa: 'پاسخ‌داده‌شده در' },
      { type: 'dateTime', ...kept },
    ),
    field(
      'bouncedAt',
      'bounced_at',
      { en: 'Bounced', ar: 'ارتدّ في', fa: 'برگشت‌خورده در' },
      { type: 'dateTime', ...kept },
    ),
    field('owner', 'owner_id', { en: 'Sent by', ar: 'أرسله', fa: 'فرستنده' }, { type: 'user', ...kept }),
  ],
};
