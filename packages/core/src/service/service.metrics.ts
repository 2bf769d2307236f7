import type { ReportMetric } from '../modules/manifest.ts';
import { namedMeasures } from '../modules/metric-measures.ts';

// The service desk's entries in the reports' metrics catalogue: report definitions over tickets that users run as
// they are, or copy into their own reports and change.

const createdMonth = { field: 'createdAt', bucket: 'month' };
const resolvedMonth = { field: 'resolvedAt', bucket: 'month' };

const satisfied = namedMeasures([
  [
    { fn: 'share', where: { field: 'satisfaction', op: 'gte', value: 4 } },
    { en: 'CSAT', ar: 'رضا العملاء', fa: 'رضایت مشتری' },
  ],
  [
    { fn: 'avg', field: 'satisfaction' },
    { en: 'Average rating', ar: 'متوسط التقييم', fa: 'میانگین امتیاز' },
  ],
  [{ fn: 'count' }, { en: 'Rated tickets', ar: 'التذاكر المقيَّمة', fa: 'تیکت‌های امتیازداده‌شده' }],
]);

const times = namedMeasures([
  [
    { fn: 'avg', field: 'firstResponseAt', since: 'createdAt', unit: 'hours' },
    { en: 'Hours to first response', ar: 'الساعات حتى أول رد', fa: 'ساعت تا اولین پاسخ' },
  ],
  [
    { fn: 'avg', field: 'resolvedAt', since: 'createdAt', unit: 'hours' },
    { en: 'Hours to resolution', ar: 'الساعات حتى الحل', fa: 'ساعت تا حل' },
  ],
  [{ fn: 'count' }, { en: 'Tickets', ar: 'التذاكر', fa: 'تیکت‌ها' }],
]);

const npsMeasures = namedMeasures([
  [
    { fn: 'formula', expression: '(m1 - m2) / m3 * 100' },
    { en: 'NPS', ar: 'NPS', fa: 'NPS' },
  ],
  [
    { fn: 'count', where: { field: 'score', op: 'gte', value: 9 } },
    { en: 'Promoters (9–10)', ar: 'المروّجون (9–10)', fa: 'مروجان (۹ تا ۱۰)' },
  ],
  [
    { fn: 'count', where: { field: 'score', op: 'lte', value: 6 } },
    { en: 'Detractors (0–6)', ar: 'المنتقدون (0–6)', fa: 'منتقدان (۰ تا ۶)' },
  ],
  [{ fn: 'count' }, { en: 'Answers', ar: 'الإجابات', fa: 'پاسخ‌ها' }],
]);

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
  {
    key: 'service.csat',
    names: { en: 'Customer satisfaction (CSAT)', ar: 'رضا العملاء (CSAT)', fa: 'رضایت مشتری (CSAT)' },
    formula: {
      en: 'Tickets rated 4 or 5 ÷ all rated tickets (the requester’s answer to the survey after resolution, 1–5), per month they were resolved; the average rating beside it.',
      ar: 'التذاكر المقيَّمة بـ 4 أو 5 ÷ كل التذاكر المقيَّمة (جواب صاحب الطلب على الاستبيان بعد الحل، من 1 إلى 5)، لكل شهر حُلّت فيه؛ ومعه متوسط التقييم.',
      fa: 'تیکت‌های با امتیاز ۴ یا ۵ ÷ همه تیکت‌های امتیازداده‌شده (پاسخ درخواست‌کننده به نظرسنجی پس از حل، ۱ تا ۵)، برای هر ماه حل شدن؛ همراه با میانگین امتیاز.',
    },
    definition: {
      object: 'tickets',
      filter: { field: 'satisfaction', op: 'isNotNull' },
      groupBy: [resolvedMonth],
      measures: satisfied.measures,
      chart: 'line',
    },
    measureNames: satisfied.measureNames,
  },
  {
    key: 'service.responseTimes',
    names: {
      en: 'Response and resolution times',
      ar: 'أوقات الرد والحل',
      fa: 'زمان پاسخ و حل',
    },
    formula: {
      en: 'Hours from a ticket’s opening to its first response, and to its resolution, averaged per month it was opened (clock hours; the SLA clocks count business time). Tickets not yet answered or resolved count only in the total.',
      ar: 'الساعات من فتح التذكرة حتى أول رد، وحتى حلها، بمتوسطها لكل شهر فُتحت فيه (ساعات الساعة؛ ساعات اتفاقية الخدمة تحسب وقت العمل). التذاكر التي لم يُرد عليها أو لم تُحل تُعدّ في الإجمالي فقط.',
      fa: 'ساعت‌های میان باز شدن تیکت تا اولین پاسخ، و تا حل آن، میانگین برای هر ماه ثبت (ساعت عادی؛ ساعت‌های SLA زمان کاری را می‌شمارند). تیکت‌هایی که هنوز پاسخ یا حل نشده‌اند فقط در جمع شمرده می‌شوند.',
    },
    definition: {
      object: 'tickets',
      groupBy: [createdMonth],
      measures: times.measures,
      chart: 'line',
    },
    measureNames: times.measureNames,
  },
  {
    key: 'service.nps',
    names: {
      en: 'Net promoter score (NPS)',
      ar: 'صافي نقاط الترويج (NPS)',
      fa: 'خالص امتیاز ترویج‌کنندگان (NPS)',
    },
    formula: {
      en: '(Promoters, who answered 9 or 10 − detractors, who answered 0 to 6) ÷ all answers × 100, per month answered, from −100 to 100; relationship surveys and those after a ticket together — group by kind to compare them.',
      ar: '(المروّجون الذين أجابوا 9 أو 10 − المنتقدون الذين أجابوا من 0 إلى 6) ÷ كل الإجابات × 100، لكل شهر أُجيب فيه، من −100 إلى 100؛ استبيانات العلاقة وما بعد التذكرة معًا — جمّعه حسب النوع للمقارنة.',
      fa: '(مروجانی که ۹ یا ۱۰ دادند − منتقدانی که ۰ تا ۶ دادند) ÷ همه پاسخ‌ها × ۱۰۰، برای هر ماه پاسخ، از −۱۰۰ تا ۱۰۰؛ نظرسنجی‌های رابطه و پس از تیکت با هم — برای مقایسه بر اساس نوع گروه‌بندی کنید.',
    },
    definition: {
      object: 'npsSurveys',
      filter: { field: 'status', op: 'eq', value: 'answered' },
      groupBy: [{ field: 'answeredAt', bucket: 'month' }],
      measures: npsMeasures.measures,
      chart: 'line',
    },
    measureNames: npsMeasures.measureNames,
  },
];
