import type { ReportMetric } from '../modules/manifest.ts';
import { namedMeasures } from '../modules/metric-measures.ts';

// The email module's entries in the reports' metrics catalogue: report definitions over the messages members sent
// from Rabita (`emailSends`), run as they are or copied and changed.

const done = (field: string) => ({ field, op: 'isNotNull' });
const funnel = namedMeasures([
  [{ fn: 'count' }, { en: 'Sent', ar: 'المُرسَلة', fa: 'ارسال‌شده' }],
  [
    { fn: 'count', where: done('openedAt') },
    { en: 'Opened', ar: 'المفتوحة', fa: 'باز شده' },
  ],
  [
    { fn: 'count', where: done('clickedAt') },
    { en: 'Clicked', ar: 'التي نُقر فيها', fa: 'کلیک‌شده' },
  ],
  [
    { fn: 'count', where: done('repliedAt') },
    { en: 'Replied', ar: 'التي رُدّ عليها', fa: 'پاسخ‌داده‌شده' },
  ],
]);
const rates = namedMeasures([
  [{ fn: 'count' }, { en: 'Sent', ar: 'المُرسَلة', fa: 'ارسال‌شده' }],
  [
    { fn: 'share', where: done('openedAt') },
    { en: 'Open rate', ar: 'نسبة الفتح', fa: 'نرخ باز شدن' },
  ],
  [
    { fn: 'share', where: done('clickedAt') },
    { en: 'Click rate', ar: 'نسبة النقر', fa: 'نرخ کلیک' },
  ],
  [
    { fn: 'share', where: done('repliedAt') },
    { en: 'Reply rate', ar: 'نسبة الرد', fa: 'نرخ پاسخ' },
  ],
  [
    { fn: 'share', where: done('bouncedAt') },
    { en: 'Bounce rate', ar: 'نسبة الارتداد', fa: 'نرخ برگشت' },
  ],
]);

export const emailMetrics: ReportMetric[] = [
  {
    key: 'email.funnel',
    names: { en: 'Email funnel', ar: 'قمع البريد', fa: 'قیف ایمیل' },
    formula: {
      en: 'Messages sent from Rabita; of them, those opened, those clicked and those replied to (each at least once; opens and clicks flagged as a machine’s left out). Add a period or a template to compare.',
      ar: 'الرسائل المُرسَلة من رابطة؛ ومنها المفتوحة والتي نُقر فيها والتي رُدّ عليها (مرة على الأقل؛ دون الفتح والنقر الآليين). أضف فترة أو قالبًا للمقارنة.',
      fa: 'پیام‌های ارسال‌شده از رابطه؛ و از میان آن‌ها باز شده، کلیک‌شده و پاسخ‌داده‌شده (دست‌کم یک بار؛ بدون باز شدن و کلیک ماشینی). برای مقایسه دوره یا قالب اضافه کنید.',
    },
    definition: { object: 'emailSends', measures: funnel.measures, chart: 'funnel' },
    measureNames: funnel.measureNames,
  },
  {
    key: 'email.ratesByTemplate',
    names: {
      en: 'Email rates by template (campaign)',
      ar: 'نسب البريد حسب القالب (الحملة)',
      fa: 'نرخ‌های ایمیل بر اساس قالب (کمپین)',
    },
    formula: {
      en: 'Per template, the ten most sent and the rest as “others”: messages sent, and the share of them opened, clicked, replied to and bounced.',
      ar: 'لكل قالب، أكثر عشرة إرسالًا والباقي «أخرى»: الرسائل المُرسَلة، ونسبة ما فُتح منها وما نُقر فيه وما رُدّ عليه وما ارتدّ.',
      fa: 'برای هر قالب، ده قالب پرارسال و بقیه «سایر»: پیام‌های ارسال‌شده، و سهم باز شده، کلیک‌شده، پاسخ‌داده‌شده و برگشت‌خورده از آن‌ها.',
    },
    definition: {
      object: 'emailSends',
      groupBy: [{ field: 'template' }],
      measures: rates.measures,
      limit: 10,
      chart: 'table',
    },
    measureNames: rates.measureNames,
  },
];
