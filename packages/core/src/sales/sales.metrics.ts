import type { ReportMetric } from '../modules/manifest.ts';

// The sales module's entries in the reports' metrics catalogue: report definitions over deals that users run as
// they are, or copy into their own reports and change.

const closed = { field: 'status', op: 'in', value: ['won', 'lost'] };
const won = { field: 'status', op: 'eq', value: 'won' };
const closeMonth = { field: 'expectedCloseDate', bucket: 'month' };

export const salesMetrics: ReportMetric[] = [
  {
    key: 'sales.pipelineByStage',
    names: { en: 'Pipeline by stage', ar: 'خط المبيعات حسب المرحلة', fa: 'قیف فروش بر اساس مرحله' },
    formula: {
      en: 'Open deals grouped by stage: how many, and the sum of their amounts in the workspace currency.',
      ar: 'الصفقات المفتوحة مجمّعة حسب المرحلة: عددها ومجموع مبالغها بعملة مساحة العمل.',
      fa: 'معامله‌های باز به تفکیک مرحله: تعداد و جمع مبلغ‌ها به ارز فضای کاری.',
    },
    definition: {
      object: 'deals',
      filter: { field: 'status', op: 'eq', value: 'open' },
      groupBy: [{ field: 'stage' }],
      measures: [{ fn: 'count' }, { fn: 'sum', field: 'amount' }],
      chart: 'funnel',
    },
  },
  {
    key: 'sales.winRate',
    names: {
      en: 'Win rate by close month',
      ar: 'نسبة الفوز حسب شهر الإغلاق',
      fa: 'نرخ موفقیت بر اساس ماه بسته شدن',
    },
    formula: {
      en: 'Won deals ÷ closed (won or lost) deals, per month of their close date.',
      ar: 'الصفقات الرابحة ÷ الصفقات المغلقة (الرابحة والخاسرة)، لكل شهر من تاريخ إغلاقها.',
      fa: 'معامله‌های موفق ÷ معامله‌های بسته‌شده (موفق یا ناموفق)، برای هر ماه از تاریخ بسته شدن.',
    },
    definition: {
      object: 'deals',
      filter: closed,
      groupBy: [closeMonth],
      measures: [{ fn: 'share', where: won }, { fn: 'count' }],
      chart: 'line',
    },
  },
  {
    key: 'sales.averageDealSize',
    names: { en: 'Average won deal size', ar: 'متوسط حجم الصفقة الرابحة', fa: 'میانگین اندازه معامله موفق' },
    formula: {
      en: 'Sum of won deals’ amounts ÷ number of won deals, per month of their close date.',
      ar: 'مجموع مبالغ الصفقات الرابحة ÷ عددها، لكل شهر من تاريخ إغلاقها.',
      fa: 'جمع مبلغ معامله‌های موفق ÷ تعداد آن‌ها، برای هر ماه از تاریخ بسته شدن.',
    },
    definition: {
      object: 'deals',
      filter: won,
      groupBy: [closeMonth],
      measures: [{ fn: 'avg', field: 'amount' }, { fn: 'count' }],
      chart: 'bar',
    },
  },
  {
    key: 'sales.wonByOwner',
    names: { en: 'Won revenue by owner', ar: 'الإيراد المكسوب حسب المسؤول', fa: 'درآمد موفق بر اساس مسئول' },
    formula: {
      en: 'Sum of won deals’ amounts per owner, the ten largest and the rest as “others”.',
      ar: 'مجموع مبالغ الصفقات الرابحة لكل مسؤول، أكبر عشرة والباقي «أخرى».',
      fa: 'جمع مبلغ معامله‌های موفق برای هر مسئول، ده مورد بزرگ‌تر و بقیه «سایر».',
    },
    definition: {
      object: 'deals',
      filter: won,
      groupBy: [{ field: 'owner' }],
      measures: [{ fn: 'sum', field: 'amount' }],
      limit: 10,
      chart: 'barHorizontal',
    },
  },
];
