import type { ReportMetric } from '../modules/manifest.ts';

// The service desk's entries in the reports' metrics catalogue: report definitions over tickets that users run as
// they are, or copy into their own reports and change.

const createdMonth = { field: 'createdAt', bucket: 'month' };
const resolvedMonth = { field: 'resolvedAt', bucket: 'month' };

export const serviceMetrics: ReportMetric[] = [
  {
    key: 'service.slaCompliance',
    names: { en: 'SLA compliance', ar: 'الالتزام باتفاقية مستوى الخدمة', fa: 'پایبندی به SLA' },
    formula: {
      en: 'Tickets with an SLA that have not breached it ÷ all tickets with an SLA, per month they were opened.',
      ar: 'التذاكر ذات الاتفاقية التي لم تتجاوزها ÷ كل التذاكر ذات الاتفاقية، لكل شهر فُتحت فيه.',
      fa: 'تیکت‌های دارای SLA که آن را نقض نکرده‌اند ÷ همه تیکت‌های دارای SLA، برای هر ماه ثبت.',
    },
    definition: {
      object: 'tickets',
      filter: { field: 'slaStatus', op: 'nin', value: ['none'] },
      groupBy: [createdMonth],
      measures: [
        { fn: 'share', where: { field: 'slaStatus', op: 'neq', value: 'breached' } },
        { fn: 'count' },
      ],
      chart: 'line',
    },
  },
  {
    key: 'service.firstContactResolution',
    names: { en: 'First-contact resolution', ar: 'الحل من أول تواصل', fa: 'حل در اولین تماس' },
    formula: {
      en: 'Tickets resolved at first contact ÷ tickets the agent marked (at first contact or needing follow-up), per month resolved.',
      ar: 'التذاكر المحلولة من أول تواصل ÷ التذاكر التي صنّفها الموظف (من أول تواصل أو احتاجت متابعة)، لكل شهر حُلّت فيه.',
      fa: 'تیکت‌های حل‌شده در اولین تماس ÷ تیکت‌هایی که کارشناس مشخص کرده (اولین تماس یا نیازمند پیگیری)، برای هر ماه حل.',
    },
    definition: {
      object: 'tickets',
      filter: { field: 'fcrDisposition', op: 'in', value: ['first_contact', 'follow_up'] },
      groupBy: [resolvedMonth],
      measures: [
        { fn: 'share', where: { field: 'fcrDisposition', op: 'eq', value: 'first_contact' } },
        { fn: 'count' },
      ],
      chart: 'line',
    },
  },
  {
    key: 'service.backlog',
    names: {
      en: 'Backlog by priority',
      ar: 'التذاكر المتراكمة حسب الأولوية',
      fa: 'تیکت‌های باز بر اساس اولویت',
    },
    formula: {
      en: 'Tickets not resolved or closed, counted per priority.',
      ar: 'التذاكر غير المحلولة أو المغلقة، معدودة حسب الأولوية.',
      fa: 'تیکت‌هایی که حل یا بسته نشده‌اند، به تفکیک اولویت.',
    },
    definition: {
      object: 'tickets',
      filter: { field: 'status', op: 'nin', value: ['resolved', 'closed'] },
      groupBy: [{ field: 'priority' }],
      measures: [{ fn: 'count' }],
      chart: 'bar',
    },
  },
  {
    key: 'service.reopenRate',
    names: { en: 'Reopen rate', ar: 'نسبة إعادة الفتح', fa: 'نرخ بازگشایی' },
    formula: {
      en: 'Resolved tickets reopened at least once ÷ resolved tickets, per month resolved.',
      ar: 'التذاكر المحلولة التي أعيد فتحها مرة على الأقل ÷ التذاكر المحلولة، لكل شهر حُلّت فيه.',
      fa: 'تیکت‌های حل‌شده‌ای که دست‌کم یک بار بازگشایی شده‌اند ÷ تیکت‌های حل‌شده، برای هر ماه حل.',
    },
    definition: {
      object: 'tickets',
      filter: { field: 'resolvedAt', op: 'isNotNull' },
      groupBy: [resolvedMonth],
      measures: [{ fn: 'share', where: { field: 'reopenCount', op: 'gt', value: 0 } }, { fn: 'count' }],
      chart: 'line',
    },
  },
];
