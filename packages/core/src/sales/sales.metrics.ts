import type { Labels } from '@rabita/shared';
import type { ReportMetric } from '../modules/manifest.ts';
import { namedMeasures } from '../modules/metric-measures.ts';

// The sales module's entries in the reports' metrics catalogue: report definitions over deals that users run as
// they are, or copy into their own reports and change.

const closed = { field: 'status', op: 'in', value: ['won', 'lost'] };
const won = { field: 'status', op: 'eq', value: 'won' };
const closeMonth = { field: 'expectedCloseDate', bucket: 'month' };

const wonDeals: Labels = { en: 'Won deals', ar: 'الصفقات الرابحة', fa: 'معامله‌های موفق' };
const daysToClose = { field: 'expectedCloseDate', since: 'createdAt' };
const cycle = namedMeasures([
  [
    { fn: 'avg', ...daysToClose },
    { en: 'Average days', ar: 'متوسط الأيام', fa: 'میانگین روزها' },
  ],
  [
    { fn: 'min', ...daysToClose },
    { en: 'Shortest', ar: 'الأقصر', fa: 'کوتاه‌ترین' },
  ],
  [
    { fn: 'max', ...daysToClose },
    { en: 'Longest', ar: 'الأطول', fa: 'بلندترین' },
  ],
  [{ fn: 'count' }, wonDeals],
]);
const velocity = namedMeasures([
  [
    { fn: 'formula', expression: 'm1 * (m2 / m1) * m3 / m4' },
    { en: 'Velocity per day', ar: 'السرعة في اليوم', fa: 'سرعت در روز' },
  ],
  [{ fn: 'count' }, { en: 'Closed deals', ar: 'الصفقات المغلقة', fa: 'معامله‌های بسته‌شده' }],
  [{ fn: 'count', where: won }, wonDeals],
  [
    { fn: 'avg', field: 'amount', where: won },
    { en: 'Average won amount', ar: 'متوسط مبلغ الصفقة الرابحة', fa: 'میانگین مبلغ معامله موفق' },
  ],
  [
    { fn: 'avg', ...daysToClose, where: won },
    { en: 'Days to win', ar: 'أيام الفوز', fa: 'روزهای رسیدن به موفقیت' },
  ],
]);

const leadsName: Labels = { en: 'Leads', ar: 'العملاء المحتملون', fa: 'سرنخ‌ها' };
const convertedName: Labels = { en: 'Converted', ar: 'المحوَّلون', fa: 'تبدیل‌شده' };
const converted = { field: 'status', op: 'eq', value: 'converted' };
const leadFunnel = namedMeasures([
  [{ fn: 'count' }, leadsName],
  [
    { fn: 'count', where: { field: 'status', op: 'neq', value: 'new' } },
    { en: 'Contacted or further', ar: 'تم التواصل أو أبعد', fa: 'تماس‌گرفته یا جلوتر' },
  ],
  [
    { fn: 'count', where: { field: 'status', op: 'in', value: ['qualified', 'converted'] } },
    { en: 'Qualified or further', ar: 'مؤهَّل أو أبعد', fa: 'واجد شرایط یا جلوتر' },
  ],
  [{ fn: 'count', where: converted }, convertedName],
]);
const leadConversion = namedMeasures([
  [{ fn: 'count' }, leadsName],
  [{ fn: 'count', where: converted }, convertedName],
  [
    { fn: 'formula', expression: 'm1 / m0' },
    { en: 'Conversion rate', ar: 'نسبة التحويل', fa: 'نرخ تبدیل' },
  ],
]);

const customersName: Labels = { en: 'Customers', ar: 'العملاء', fa: 'مشتریان' };
const wonRevenue: Labels = { en: 'Won revenue', ar: 'الإيراد المكسوب', fa: 'درآمد موفق' };
const cohorts = namedMeasures([
  [{ fn: 'distinct', field: 'company' }, customersName],
  [{ fn: 'sum', field: 'amount' }, wonRevenue],
]);
const firstSale = { field: 'repeatSale', op: 'eq', value: false };
const repeatSale = { field: 'repeatSale', op: 'eq', value: true };
const returning = { field: 'returningCustomer', op: 'eq', value: true };
const retention = namedMeasures([
  [{ fn: 'distinct', field: 'company' }, customersName],
  [
    { fn: 'distinct', field: 'company', where: returning },
    { en: 'Bought again', ar: 'اشتروا مجددًا', fa: 'دوباره خریدند' },
  ],
  [
    { fn: 'formula', expression: 'm1 / m0' },
    { en: 'Logo retention', ar: 'الاحتفاظ بالعملاء', fa: 'نگهداشت مشتری' },
  ],
  [
    { fn: 'formula', expression: '(m0 - m1) / m0' },
    { en: 'Logo churn', ar: 'فقدان العملاء', fa: 'ریزش مشتری' },
  ],
  [
    { fn: 'sum', field: 'amount', where: firstSale },
    { en: 'First-sale revenue', ar: 'إيراد البيع الأول', fa: 'درآمد فروش اول' },
  ],
  [
    { fn: 'sum', field: 'amount', where: repeatSale },
    { en: 'Repeat revenue', ar: 'الإيراد المتكرر', fa: 'درآمد تکراری' },
  ],
  [
    {
      fn: 'sum',
      field: 'amount',
      where: { and: [firstSale, { field: 'returningCustomer', op: 'eq', value: false }] },
    },
    { en: 'Revenue not returned', ar: 'إيراد لم يتكرر', fa: 'درآمد بازنگشته' },
  ],
  [
    { fn: 'formula', expression: 'm5 / m4' },
    { en: 'Revenue retention', ar: 'الاحتفاظ بالإيراد', fa: 'نگهداشت درآمد' },
  ],
  [
    { fn: 'formula', expression: 'm6 / m4' },
    { en: 'Revenue churn', ar: 'فقدان الإيراد', fa: 'ریزش درآمد' },
  ],
]);

const quotaMeasures = namedMeasures([
  [
    { fn: 'sum', field: 'quota' },
    { en: 'Quota', ar: 'الحصة', fa: 'سهمیه' },
  ],
  [
    { fn: 'sum', field: 'closedWon' },
    { en: 'Closed won', ar: 'المكسوب', fa: 'موفق بسته‌شده' },
  ],
  [
    { fn: 'sum', field: 'commit' },
    { en: 'Commit', ar: 'الالتزام', fa: 'تعهد' },
  ],
  [
    { fn: 'formula', expression: 'm1 / m0' },
    { en: 'Attainment', ar: 'نسبة التحقيق', fa: 'میزان تحقق' },
  ],
  [
    { fn: 'formula', expression: 'm2 / m0' },
    { en: 'Commit ÷ quota', ar: 'الالتزام ÷ الحصة', fa: 'تعهد ÷ سهمیه' },
  ],
]);

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
  {
    key: 'sales.averageCycle',
    names: { en: 'Average sales cycle', ar: 'متوسط دورة البيع', fa: 'میانگین چرخه فروش' },
    formula: {
      en: 'Days from a won deal’s creation to its close date, averaged per month of the close date; the shortest and longest beside it.',
      ar: 'الأيام من إنشاء الصفقة الرابحة إلى تاريخ إغلاقها، بمتوسطها لكل شهر من تاريخ الإغلاق، مع الأقصر والأطول.',
      fa: 'روزهای میان ایجاد معامله موفق تا تاریخ بسته شدن آن، میانگین برای هر ماه از تاریخ بسته شدن، همراه با کوتاه‌ترین و بلندترین.',
    },
    definition: {
      object: 'deals',
      filter: won,
      groupBy: [closeMonth],
      measures: cycle.measures,
      chart: 'line',
    },
    measureNames: cycle.measureNames,
  },
  {
    key: 'sales.velocity',
    names: { en: 'Sales velocity', ar: 'سرعة المبيعات', fa: 'سرعت فروش' },
    formula: {
      en: 'Closed deals × win rate × average won amount ÷ average days to win, per month of the close date: the revenue the pipeline brings in a day.',
      ar: 'الصفقات المغلقة × نسبة الفوز × متوسط مبلغ الصفقة الرابحة ÷ متوسط أيام الفوز، لكل شهر من تاريخ الإغلاق: الإيراد الذي يأتي به خط المبيعات في اليوم.',
      fa: 'معامله‌های بسته‌شده × نرخ موفقیت × میانگین مبلغ معامله موفق ÷ میانگین روزهای رسیدن به موفقیت، برای هر ماه از تاریخ بسته شدن: درآمدی که قیف فروش در هر روز می‌آورد.',
    },
    definition: {
      object: 'deals',
      filter: closed,
      groupBy: [closeMonth],
      measures: velocity.measures,
      chart: 'kpi',
    },
    measureNames: velocity.measureNames,
  },
  {
    key: 'sales.cohorts',
    names: {
      en: 'Customer cohorts by first-won month',
      ar: 'أفواج العملاء حسب شهر أول فوز',
      fa: 'گروه‌های مشتریان بر اساس ماه اولین موفقیت',
    },
    formula: {
      en: 'Won deals of companies, by the month each company first won a deal (its cohort, in your calendar) and by the months since then: how many of the cohort’s customers bought in that month, and their won revenue.',
      ar: 'الصفقات الرابحة للشركات، حسب الشهر الذي ربحت فيه كل شركة أول صفقة (فوجها، في تقويمك) وحسب الأشهر منذ ذلك الحين: كم من عملاء الفوج اشتروا في ذلك الشهر، وإيرادهم المكسوب.',
      fa: 'معامله‌های موفق شرکت‌ها، بر اساس ماهی که هر شرکت اولین معامله‌اش را برد (گروه آن، در تقویم شما) و ماه‌های پس از آن: چند مشتری از آن گروه در آن ماه خرید کردند، و درآمد موفق آن‌ها.',
    },
    definition: {
      object: 'deals',
      filter: { and: [won, { field: 'company', op: 'isNotNull' }] },
      groupBy: [
        { field: 'customerSince', bucket: 'month' },
        { field: 'expectedCloseDate', bucket: 'month', since: 'customerSince' },
      ],
      measures: cohorts.measures,
      chart: 'pivot',
    },
    measureNames: cohorts.measureNames,
  },
  {
    key: 'sales.retention',
    names: {
      en: 'Retention and churn (logos and revenue)',
      ar: 'الاحتفاظ والفقدان (العملاء والإيراد)',
      fa: 'نگهداشت و ریزش (مشتری و درآمد)',
    },
    formula: {
      en: 'Per quarter customers first won a deal: logo retention = customers who won another deal on a later day ÷ customers, logo churn = those who did not ÷ customers; revenue retention = repeat revenue ÷ first-sale revenue, revenue churn = first-sale revenue of customers who never bought again ÷ first-sale revenue.',
      ar: 'لكل ربع ربح فيه العملاء أول صفقة: الاحتفاظ بالعملاء = العملاء الذين ربحوا صفقة أخرى في يوم لاحق ÷ العملاء، وفقدان العملاء = من لم يفعلوا ÷ العملاء؛ الاحتفاظ بالإيراد = الإيراد المتكرر ÷ إيراد البيع الأول، وفقدان الإيراد = إيراد البيع الأول لعملاء لم يشتروا مجددًا ÷ إيراد البيع الأول.',
      fa: 'برای هر فصلی که مشتریان اولین معامله را بردند: نگهداشت مشتری = مشتریانی که در روزی دیرتر معامله دیگری بردند ÷ مشتریان، ریزش مشتری = آن‌ها که نبردند ÷ مشتریان؛ نگهداشت درآمد = درآمد تکراری ÷ درآمد فروش اول، ریزش درآمد = درآمد فروش اول مشتریانی که دوباره نخریدند ÷ درآمد فروش اول.',
    },
    definition: {
      object: 'deals',
      filter: { and: [won, { field: 'company', op: 'isNotNull' }] },
      groupBy: [{ field: 'customerSince', bucket: 'quarter' }],
      measures: retention.measures,
      chart: 'table',
    },
    measureNames: retention.measureNames,
  },
  {
    key: 'sales.forecastVsQuota',
    names: { en: 'Forecast vs quota', ar: 'التوقع مقابل الحصة', fa: 'پیش‌بینی در برابر سهمیه' },
    formula: {
      en: 'Per fiscal quarter and person, as the forecast computes them in the workspace’s currency: the quota, closed won, commit (closed won and the open deals in commit), attainment = closed won ÷ quota and commit ÷ quota.',
      ar: 'لكل ربع مالي وشخص، كما يحسبها التوقع بعملة مساحة العمل: الحصة، والمكسوب، والالتزام (المكسوب والصفقات المفتوحة الملتزم بها)، ونسبة التحقيق = المكسوب ÷ الحصة، والالتزام ÷ الحصة.',
      fa: 'برای هر فصل مالی و هر شخص، همان‌طور که پیش‌بینی به ارز فضای کار حساب می‌کند: سهمیه، موفق بسته‌شده، تعهد (موفق بسته‌شده و معامله‌های باز در تعهد)، میزان تحقق = موفق بسته‌شده ÷ سهمیه، و تعهد ÷ سهمیه.',
    },
    definition: {
      object: 'forecastRows',
      filter: {
        and: [
          { field: 'kind', op: 'eq', value: 'user' },
          { field: 'periodKind', op: 'eq', value: 'quarter' },
        ],
      },
      groupBy: [{ field: 'periodStart', bucket: 'fiscalQuarter' }, { field: 'owner' }],
      measures: quotaMeasures.measures,
      chart: 'table',
    },
    measureNames: quotaMeasures.measureNames,
  },
  {
    key: 'sales.leadFunnel',
    names: { en: 'Lead funnel', ar: 'قمع العملاء المحتملين', fa: 'قیف سرنخ‌ها' },
    formula: {
      en: 'Every lead; those past “new”; those qualified or converted; those converted — each stage a count of the leads at it or beyond it now. Group it by source to compare campaigns.',
      ar: 'كل العملاء المحتملين؛ من تجاوزوا «جديد»؛ المؤهَّلون أو المحوَّلون؛ المحوَّلون — كل مرحلة عدد من بلغها أو تجاوزها الآن. جمّعه حسب المصدر لمقارنة الحملات.',
      fa: 'همه سرنخ‌ها؛ آن‌ها که از «جدید» گذشته‌اند؛ واجد شرایط یا تبدیل‌شده؛ تبدیل‌شده — هر مرحله تعداد سرنخ‌هایی که اکنون در آن یا جلوتر از آن‌اند. برای مقایسه کمپین‌ها آن را بر اساس منبع گروه‌بندی کنید.',
    },
    definition: { object: 'leads', measures: leadFunnel.measures, chart: 'funnel' },
    measureNames: leadFunnel.measureNames,
  },
  {
    key: 'sales.leadConversionBySource',
    names: {
      en: 'Lead conversion by source (campaign)',
      ar: 'تحويل العملاء المحتملين حسب المصدر (الحملة)',
      fa: 'تبدیل سرنخ‌ها بر اساس منبع (کمپین)',
    },
    formula: {
      en: 'Converted leads ÷ all leads, per source (a web form’s campaign lands there), the ten sources with the most leads and the rest as “others”.',
      ar: 'العملاء المحوَّلون ÷ كل العملاء المحتملين، لكل مصدر (تصل إليه حملة النموذج)، أكثر عشرة مصادر والباقي «أخرى».',
      fa: 'سرنخ‌های تبدیل‌شده ÷ همه سرنخ‌ها، برای هر منبع (کمپین فرم وب آنجا ثبت می‌شود)، ده منبع با بیشترین سرنخ و بقیه «سایر».',
    },
    definition: {
      object: 'leads',
      groupBy: [{ field: 'source' }],
      measures: leadConversion.measures,
      limit: 10,
      chart: 'barHorizontal',
    },
    measureNames: leadConversion.measureNames,
  },
];
