import type { FieldDef, ObjectDef } from '../metadata/metadata.types.ts';
import { field, options, owner } from '../metadata/standard-objects.ts';

// The sales module's standard objects: deals, and the pipelines and stages they move through.

/** Forecast categories: best case includes commit and closed (the forecast adds them up that way). */
export const FORECAST_CATEGORIES = options(
  ['pipeline', 'Pipeline', 'قيد المتابعة', 'در جریان'],
  ['best_case', 'Best case', 'أفضل الاحتمالات', 'بهترین حالت'],
  ['commit', 'Commit', 'ملتزم بها', 'قطعی'],
  ['closed', 'Closed', 'مغلقة', 'بسته‌شده'],
  ['omitted', 'Omitted', 'مستبعدة', 'حذف‌شده از پیش‌بینی'],
);

const DEAL_STATUSES = options(
  ['open', 'Open', 'مفتوحة', 'باز'],
  ['won', 'Won', 'رابحة', 'موفق'],
  ['lost', 'Lost', 'خاسرة', 'ناموفق'],
);

export const deals: ObjectDef = {
  key: 'deals',
  position: 40,
  labels: {
    singular: { en: 'Deal', ar: 'صفقة', fa: 'معامله' },
    plural: { en: 'Deals', ar: 'الصفقات', fa: 'معاملات' },
  },
  custom: false,
  table: 'deals',
  titleFields: ['name'],
  subtitleField: 'stage',
  fields: [
    field(
      'name',
      'name',
      { en: 'Name', ar: 'الاسم', fa: 'نام' },
      { type: 'text', required: true, searchable: true, maxLength: 300 },
    ),
    field('amount', 'amount', { en: 'Amount', ar: 'المبلغ', fa: 'مبلغ' }, { type: 'money' }),
    field(
      'pipeline',
      'pipeline_id',
      { en: 'Pipeline', ar: 'مسار المبيعات', fa: 'قیف فروش' },
      { type: 'relation', relation: { object: 'pipelines', many: false } },
    ),
    field(
      'stage',
      'stage_id',
      { en: 'Stage', ar: 'المرحلة', fa: 'مرحله' },
      { type: 'relation', relation: { object: 'stages', many: false } },
    ),
    field(
      'probability',
      'probability',
      { en: 'Probability', ar: 'الاحتمالية', fa: 'احتمال' },
      { type: 'number' },
    ),
    field(
      'expectedCloseDate',
      'expected_close_date',
      { en: 'Expected close date', ar: 'تاريخ الإغلاق المتوقع', fa: 'تاریخ بسته شدن پیش‌بینی‌شده' },
      { type: 'date' },
    ),
    field(
      'status',
      'status',
      { en: 'Status', ar: 'الحالة', fa: 'وضعیت' },
      { type: 'select', options: DEAL_STATUSES, defaultValue: 'open', required: true },
    ),
    field(
      'lossReason',
      'loss_reason',
      { en: 'Loss reason', ar: 'سبب الخسارة', fa: 'دلیل شکست' },
      { type: 'text', maxLength: 500 },
    ),
    field(
      'forecastCategory',
      'forecast_category',
      { en: 'Forecast category', ar: 'فئة التوقع', fa: 'دسته پیش‌بینی' },
      { type: 'select', options: FORECAST_CATEGORIES },
    ),
    // The id of one of the workspace's win or loss reasons (sales/win-loss.hooks.ts checks it).
    field(
      'closeReason',
      'close_reason',
      { en: 'Win or loss reason', ar: 'سبب الربح أو الخسارة', fa: 'دلیل موفقیت یا شکست' },
      { type: 'text', maxLength: 36 },
    ),
    field(
      'competitor',
      'competitor',
      { en: 'Lost to (competitor)', ar: 'المنافس الفائز', fa: 'رقیب برنده' },
      { type: 'text', maxLength: 300 },
    ),
    field(
      'competitorCompany',
      'competitor_company_id',
      { en: 'Lost to (company)', ar: 'الشركة المنافسة', fa: 'شرکت رقیب' },
      { type: 'relation', relation: { object: 'companies', many: false } },
    ),
    field(
      'company',
      'company_id',
      { en: 'Company', ar: 'الشركة', fa: 'شرکت' },
      { type: 'relation', relation: { object: 'companies', many: false } },
    ),
    field(
      'primaryPerson',
      'primary_person_id',
      { en: 'Primary contact', ar: 'جهة الاتصال الرئيسية', fa: 'مخاطب اصلی' },
      { type: 'relation', relation: { object: 'people', many: false } },
    ),
    owner(),
    // Kept by the sales module from the company's won deals (customer-since.service.ts): the cohort a deal's
    // customer belongs to, whether that customer bought again, and whether a won deal was such a repeat sale.
    field(
      'customerSince',
      'customer_since',
      { en: 'Customer since', ar: 'عميل منذ', fa: 'مشتری از' },
      { type: 'date', readOnly: true },
    ),
    field(
      'returningCustomer',
      'returning_customer',
      { en: 'Returning customer', ar: 'عميل عائد', fa: 'مشتری بازگشتی' },
      { type: 'boolean', readOnly: true },
    ),
    field(
      'repeatSale',
      'repeat_sale',
      { en: 'Repeat sale', ar: 'بيع متكرر', fa: 'فروش تکراری' },
      { type: 'boolean', readOnly: true },
    ),
  ],
};

/**
 * A pipeline's or stage's name in each interface language: names are the workspace's data, so they are
 * translated as values (beside the stored `name`, the fallback), not through the app's dictionaries.
 */
const localizedNames = (): FieldDef[] =>
  (
    [
      ['nameEn', 'name_en', 'Name (English)', 'الاسم (بالإنجليزية)', 'نام (انگلیسی)'],
      ['nameAr', 'name_ar', 'Name (Arabic)', 'الاسم (بالعربية)', 'نام (عربی)'],
      ['nameFa', 'name_fa', 'Name (Persian)', 'الاسم (بالفارسية)', 'نام (فارسی)'],
    ] as const
  ).map(([key, column, en, ar, fa]) =>
    field(key, column, { en, ar, fa }, { type: 'text', searchable: true, maxLength: 200 }),
  );
const LOCALIZED_NAMES = { en: 'nameEn', ar: 'nameAr', fa: 'nameFa' };

export const pipelines: ObjectDef = {
  key: 'pipelines',
  position: 70,
  labels: {
    singular: { en: 'Pipeline', ar: 'مسار مبيعات', fa: 'قیف فروش' },
    plural: { en: 'Pipelines', ar: 'مسارات المبيعات', fa: 'قیف‌های فروش' },
  },
  custom: false,
  table: 'pipelines',
  titleFields: ['name'],
  localizedTitle: LOCALIZED_NAMES,
  fields: [
    field(
      'name',
      'name',
      { en: 'Name', ar: 'الاسم', fa: 'نام' },
      { type: 'text', required: true, searchable: true, maxLength: 200 },
    ),
    ...localizedNames(),
    field(
      'currency',
      'currency',
      { en: 'Currency', ar: 'العملة', fa: 'ارز' },
      { type: 'text', maxLength: 3 },
    ),
    // The column cannot be empty: a pipeline is the default or not.
    field(
      'isDefault',
      'is_default',
      { en: 'Default', ar: 'افتراضي', fa: 'پیش‌فرض' },
      { type: 'boolean', required: true, defaultValue: false },
    ),
  ],
};

export const stages: ObjectDef = {
  key: 'stages',
  position: 80,
  labels: {
    singular: { en: 'Stage', ar: 'مرحلة', fa: 'مرحله' },
    plural: { en: 'Stages', ar: 'المراحل', fa: 'مراحل' },
  },
  custom: false,
  table: 'stages',
  titleFields: ['name'],
  localizedTitle: LOCALIZED_NAMES,
  fields: [
    field(
      'pipeline',
      'pipeline_id',
      { en: 'Pipeline', ar: 'مسار المبيعات', fa: 'قیف فروش' },
      { type: 'relation', required: true, relation: { object: 'pipelines', many: false } },
    ),
    field(
      'name',
      'name',
      { en: 'Name', ar: 'الاسم', fa: 'نام' },
      { type: 'text', required: true, searchable: true, maxLength: 200 },
    ),
    ...localizedNames(),
    field(
      'position',
      'position',
      { en: 'Position', ar: 'الترتيب', fa: 'ترتیب' },
      { type: 'number', required: true },
    ),
    field(
      'probability',
      'probability',
      { en: 'Probability', ar: 'الاحتمالية', fa: 'احتمال' },
      { type: 'number' },
    ),
    field(
      'kind',
      'kind',
      { en: 'Kind', ar: 'النوع', fa: 'نوع' },
      { type: 'select', required: true, defaultValue: 'open', options: DEAL_STATUSES },
    ),
    // The category its deals take by default (empty: closed for won, omitted for lost, pipeline for open).
    field(
      'forecastCategory',
      'forecast_category',
      { en: 'Forecast category', ar: 'فئة التوقع', fa: 'دسته پیش‌بینی' },
      { type: 'select', options: FORECAST_CATEGORIES },
    ),
  ],
};

export const FORECAST_ROW_KINDS = options(
  ['user', 'Person', 'شخص', 'شخص'],
  ['team', 'Team', 'فريق', 'تیم'],
  ['total', 'Total', 'الإجمالي', 'جمع کل'],
);
export const FORECAST_PERIOD_KINDS = options(
  ['year', 'Fiscal year', 'سنة مالية', 'سال مالی'],
  ['quarter', 'Fiscal quarter', 'ربع مالي', 'فصل مالی'],
  ['month', 'Fiscal month', 'شهر مالي', 'ماه مالی'],
);
const keptNumber = { type: 'number', readOnly: true } as const;

/**
 * The forecast as records, kept by the sales module (forecast-rows.service.ts, refreshed a minute after the
 * first change since its last refresh): per fiscal period with quotas, and the current quarter, a row per person,
 * team and the total, with what the forecast screen shows — amounts in the workspace's currency. A person's row is
 * theirs (its owner), so "own records only" reads one's own.
 */
export const forecastRows: ObjectDef = {
  key: 'forecastRows',
  position: 85,
  labels: {
    singular: { en: 'Forecast row', ar: 'سطر التوقع', fa: 'ردیف پیش‌بینی' },
    plural: { en: 'Forecast rows', ar: 'أسطر التوقع', fa: 'ردیف‌های پیش‌بینی' },
  },
  custom: false,
  table: 'forecast_rows',
  keptBy: 'sales',
  // Figured from every deal's amount: a role that may not read deals, or their amounts, reads none of it (the
  // forecast screen refuses it too).
  readsFrom: { object: 'deals', fields: ['amount'] },
  titleFields: ['name'],
  subtitleField: 'period',
  fields: [
    field('name', 'name', { en: 'Name', ar: 'الاسم', fa: 'نام' }, { type: 'text', readOnly: true }),
    field('period', 'period', { en: 'Period', ar: 'الفترة', fa: 'دوره' }, { type: 'text', readOnly: true }),
    field(
      'periodKind',
      'period_kind',
      { en: 'Period kind', ar: 'نوع الفترة', fa: 'نوع دوره' },
      { type: 'select', options: FORECAST_PERIOD_KINDS, readOnly: true },
    ),
    field(
      'periodStart',
      'period_start',
      { en: 'Period start', ar: 'بداية الفترة', fa: 'آغاز دوره' },
      { type: 'date', readOnly: true },
    ),
    field(
      'periodEnd',
      'period_end',
      { en: 'Period end', ar: 'نهاية الفترة', fa: 'پایان دوره' },
      { type: 'date', readOnly: true },
    ),
    field(
      'kind',
      'kind',
      { en: 'Row of', ar: 'سطر لـ', fa: 'ردیفِ' },
      { type: 'select', options: FORECAST_ROW_KINDS, readOnly: true },
    ),
    field('quota', 'quota', { en: 'Quota', ar: 'الحصة', fa: 'سهمیه' }, keptNumber),
    field('closedWon', 'closed_won', { en: 'Closed won', ar: 'المكسوب', fa: 'موفق بسته‌شده' }, keptNumber),
    field('commit', 'commit_amount', { en: 'Commit', ar: 'الالتزام', fa: 'تعهد' }, keptNumber),
    field('bestCase', 'best_case', { en: 'Best case', ar: 'أفضل حالة', fa: 'بهترین حالت' }, keptNumber),
    field('pipeline', 'pipeline', { en: 'Open pipeline', ar: 'المسار المفتوح', fa: 'قیف باز' }, keptNumber),
    field(
      'weightedPipeline',
      'weighted_pipeline',
      { en: 'Weighted pipeline', ar: 'المسار الموزون', fa: 'قیف وزن‌دار' },
      keptNumber,
    ),
    field('deals', 'deals', { en: 'Deals', ar: 'الصفقات', fa: 'معامله‌ها' }, keptNumber),
    field('asOf', 'as_of', { en: 'As of', ar: 'حتى', fa: 'به‌روز تا' }, { type: 'dateTime', readOnly: true }),
    field('owner', 'owner_id', { en: 'Person', ar: 'الشخص', fa: 'شخص' }, { type: 'user', readOnly: true }),
  ],
};
