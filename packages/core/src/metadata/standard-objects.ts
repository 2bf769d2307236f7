import type { FieldType, Labels, SelectOption } from '@rabita/shared';
import type { FieldDef, ObjectDef } from './metadata.types.ts';

// The standard objects every workspace has. Their fields are typed columns; admins add custom fields beside
// them and may add options to their select fields.

type Spec = Omit<Partial<FieldDef>, 'labels'> & { type: FieldType };

export function field(key: string, column: string | undefined, labels: Labels, spec: Spec): FieldDef {
  return {
    key,
    column,
    labels,
    custom: false,
    required: false,
    unique: false,
    searchable: false,
    ...spec,
  };
}

export function options(...items: [string, string, string, string][]): SelectOption[] {
  return items.map(([value, en, ar, fa]) => ({ value, labels: { en, ar, fa } }));
}

/** Fields every object has, written by the system. */
export function systemFields(): FieldDef[] {
  return [
    field('id', 'id', { en: 'ID', ar: 'المعرّف', fa: 'شناسه' }, { type: 'text', readOnly: true }),
    field(
      'createdAt',
      'created_at',
      { en: 'Created', ar: 'تاريخ الإنشاء', fa: 'تاریخ ایجاد' },
      { type: 'dateTime', readOnly: true },
    ),
    field(
      'updatedAt',
      'updated_at',
      { en: 'Updated', ar: 'آخر تعديل', fa: 'آخرین ویرایش' },
      { type: 'dateTime', readOnly: true },
    ),
    field(
      'createdBy',
      'created_by',
      { en: 'Created by', ar: 'أنشأه', fa: 'ایجادکننده' },
      { type: 'user', readOnly: true },
    ),
  ];
}

export const owner = () =>
  field('owner', 'owner_id', { en: 'Owner', ar: 'المسؤول', fa: 'مسئول' }, { type: 'user' });
export const tags = () =>
  field('tags', 'tags', { en: 'Tags', ar: 'الوسوم', fa: 'برچسب‌ها' }, { type: 'tags', searchable: true });
const address = () =>
  field(
    'address',
    'address',
    { en: 'Address', ar: 'العنوان', fa: 'نشانی' },
    { type: 'address', searchable: true },
  );

/** Priorities of work: a task's, a ticket's. */
export const PRIORITIES = options(
  ['low', 'Low', 'منخفضة', 'کم'],
  ['normal', 'Normal', 'عادية', 'عادی'],
  ['high', 'High', 'عالية', 'زیاد'],
  ['urgent', 'Urgent', 'عاجلة', 'فوری'],
);

/** The languages a person prefers or a ticket is written in (admins may add more). */
export const LANGUAGES = options(
  ['en', 'English', 'الإنجليزية', 'انگلیسی'],
  ['ar', 'Arabic', 'العربية', 'عربی'],
  ['fa', 'Persian', 'الفارسية', 'فارسی'],
);

export const LIFECYCLE_STAGES = options(
  ['subscriber', 'Subscriber', 'مشترك', 'مشترک'],
  ['lead', 'Lead', 'عميل محتمل', 'سرنخ'],
  ['qualified', 'Qualified', 'مؤهَّل', 'واجد شرایط'],
  ['opportunity', 'Opportunity', 'فرصة', 'فرصت'],
  ['customer', 'Customer', 'عميل', 'مشتری'],
  ['advocate', 'Advocate', 'مناصر', 'مدافع'],
);

export const PERSON_FLAGS = options(
  ['hearing_impaired', 'Hearing impaired', 'ضعيف السمع', 'کم‌شنوا'],
  ['wheelchair', 'Wheelchair user', 'يستخدم كرسيًا متحركًا', 'کاربر ویلچر'],
  ['vip', 'VIP', 'كبار العملاء', 'مشتری ویژه'],
  ['arrears', 'Payment in arrears', 'متأخر في السداد', 'بدهی معوق'],
);

const CHANNELS = options(
  ['email', 'Email', 'البريد الإلكتروني', 'ایمیل'],
  ['phone', 'Phone', 'الهاتف', 'تلفن'],
  ['sms', 'SMS', 'رسالة نصية', 'پیامک'],
  ['whatsapp', 'WhatsApp', 'واتساب', 'واتساپ'],
  ['visit', 'Visit', 'زيارة', 'مراجعه حضوری'],
);

const people: ObjectDef = {
  key: 'people',
  position: 10,
  labels: {
    singular: { en: 'Person', ar: 'شخص', fa: 'شخص' },
    plural: { en: 'People', ar: 'الأشخاص', fa: 'اشخاص' },
  },
  custom: false,
  table: 'people',
  titleFields: ['firstName', 'lastName'],
  subtitleField: 'jobTitle',
  // people_name_idx (migration 0002) keeps (last name, first name, id).
  sortTies: { lastName: ['firstName'] },
  fields: [
    field(
      'firstName',
      'first_name',
      { en: 'First name', ar: 'الاسم الأول', fa: 'نام' },
      { type: 'text', searchable: true, maxLength: 200 },
    ),
    field(
      'lastName',
      'last_name',
      { en: 'Last name', ar: 'اسم العائلة', fa: 'نام خانوادگی' },
      { type: 'text', searchable: true, maxLength: 200 },
    ),
    field(
      'emails',
      'emails',
      { en: 'Emails', ar: 'البريد الإلكتروني', fa: 'ایمیل‌ها' },
      { type: 'emails', searchable: true },
    ),
    field(
      'phones',
      'phones',
      { en: 'Phones', ar: 'الهواتف', fa: 'تلفن‌ها' },
      { type: 'phones', searchable: true },
    ),
    field(
      'jobTitle',
      'job_title',
      { en: 'Job title', ar: 'المسمى الوظيفي', fa: 'عنوان شغلی' },
      { type: 'text', searchable: true, maxLength: 200 },
    ),
    field(
      'company',
      'company_id',
      { en: 'Company', ar: 'الشركة', fa: 'شرکت' },
      { type: 'relation', relation: { object: 'companies', many: false } },
    ),
    address(),
    field('location', 'location', { en: 'Location', ar: 'الموقع', fa: 'موقعیت' }, { type: 'location' }),
    field(
      'lifecycleStage',
      'lifecycle_stage',
      { en: 'Lifecycle stage', ar: 'مرحلة دورة الحياة', fa: 'مرحله چرخه عمر' },
      { type: 'select', options: LIFECYCLE_STAGES },
    ),
    owner(),
    tags(),
    field(
      'preferredLanguage',
      'preferred_language',
      { en: 'Preferred language', ar: 'اللغة المفضلة', fa: 'زبان ترجیحی' },
      { type: 'select', options: LANGUAGES },
    ),
    field(
      'preferredChannel',
      'preferred_channel',
      { en: 'Preferred channel', ar: 'القناة المفضلة', fa: 'کانال ترجیحی' },
      { type: 'select', options: CHANNELS },
    ),
    field(
      'flags',
      'flags',
      { en: 'Flags', ar: 'تنبيهات', fa: 'نشانه‌ها' },
      { type: 'multiSelect', options: PERSON_FLAGS },
    ),
    field('source', 'source', { en: 'Source', ar: 'المصدر', fa: 'منبع' }, { type: 'text', maxLength: 200 }),
  ],
};

const companies: ObjectDef = {
  key: 'companies',
  position: 20,
  labels: {
    singular: { en: 'Company', ar: 'شركة', fa: 'شرکت' },
    plural: { en: 'Companies', ar: 'الشركات', fa: 'شرکت‌ها' },
  },
  custom: false,
  table: 'companies',
  titleFields: ['name'],
  subtitleField: 'industry',
  fields: [
    field(
      'name',
      'name',
      { en: 'Name', ar: 'الاسم', fa: 'نام' },
      { type: 'text', required: true, searchable: true, maxLength: 300 },
    ),
    field(
      'domains',
      'domains',
      { en: 'Domains', ar: 'النطاقات', fa: 'دامنه‌ها' },
      { type: 'tags', searchable: true },
    ),
    field(
      'industry',
      'industry',
      { en: 'Industry', ar: 'القطاع', fa: 'صنعت' },
      { type: 'text', searchable: true, maxLength: 200 },
    ),
    field(
      'employees',
      'employees',
      { en: 'Employees', ar: 'عدد الموظفين', fa: 'تعداد کارکنان' },
      { type: 'number' },
    ),
    field(
      'annualRevenue',
      'annual_revenue',
      { en: 'Annual revenue', ar: 'الإيرادات السنوية', fa: 'درآمد سالانه' },
      { type: 'money' },
    ),
    field(
      'phones',
      'phones',
      { en: 'Phones', ar: 'الهواتف', fa: 'تلفن‌ها' },
      { type: 'phones', searchable: true },
    ),
    address(),
    owner(),
    tags(),
  ],
};

export const LEAD_STATUSES = options(
  ['new', 'New', 'جديد', 'جدید'],
  ['contacted', 'Contacted', 'تم التواصل', 'تماس گرفته شد'],
  ['qualified', 'Qualified', 'مؤهَّل', 'واجد شرایط'],
  ['disqualified', 'Disqualified', 'غير مؤهَّل', 'رد شده'],
  ['converted', 'Converted', 'تم التحويل', 'تبدیل شده'],
);

const leads: ObjectDef = {
  key: 'leads',
  position: 30,
  labels: {
    singular: { en: 'Lead', ar: 'عميل محتمل', fa: 'سرنخ' },
    plural: { en: 'Leads', ar: 'العملاء المحتملون', fa: 'سرنخ‌ها' },
  },
  custom: false,
  table: 'leads',
  titleFields: ['name'],
  subtitleField: 'companyName',
  fields: [
    field(
      'name',
      'name',
      { en: 'Name', ar: 'الاسم', fa: 'نام' },
      { type: 'text', required: true, searchable: true, maxLength: 300 },
    ),
    field(
      'companyName',
      'company_name',
      { en: 'Company name', ar: 'اسم الشركة', fa: 'نام شرکت' },
      { type: 'text', searchable: true, maxLength: 300 },
    ),
    field(
      'email',
      'email',
      { en: 'Email', ar: 'البريد الإلكتروني', fa: 'ایمیل' },
      { type: 'email', searchable: true },
    ),
    field('phone', 'phone', { en: 'Phone', ar: 'الهاتف', fa: 'تلفن' }, { type: 'phone', searchable: true }),
    field('source', 'source', { en: 'Source', ar: 'المصدر', fa: 'منبع' }, { type: 'text', maxLength: 200 }),
    field(
      'status',
      'status',
      { en: 'Status', ar: 'الحالة', fa: 'وضعیت' },
      { type: 'select', options: LEAD_STATUSES, defaultValue: 'new', required: true },
    ),
    // Computed by the sales module's scoring rules (sales/scoring-run.ts), never typed in.
    field('score', 'score', { en: 'Score', ar: 'التقييم', fa: 'امتیاز' }, { type: 'number', readOnly: true }),
    // Where and in what trade: what a territory assignment rule reads (migration 0030).
    address(),
    field(
      'industry',
      'industry',
      { en: 'Industry', ar: 'القطاع', fa: 'صنعت' },
      { type: 'text', searchable: true, maxLength: 200 },
    ),
    owner(),
  ],
};

const ACTIVITY_TYPES = options(
  ['call', 'Call', 'مكالمة', 'تماس'],
  ['meeting', 'Meeting', 'اجتماع', 'جلسه'],
  ['email', 'Email', 'بريد إلكتروني', 'ایمیل'],
  ['note', 'Note', 'ملاحظة', 'یادداشت'],
  ['sms', 'SMS', 'رسالة نصية', 'پیامک'],
  ['chat', 'Chat', 'محادثة', 'گفتگو'],
  ['visit', 'Visit', 'زيارة', 'بازدید'],
  ['social', 'Social', 'تواصل اجتماعي', 'شبکه اجتماعی'],
);

const activities: ObjectDef = {
  key: 'activities',
  position: 50,
  labels: {
    singular: { en: 'Activity', ar: 'نشاط', fa: 'فعالیت' },
    plural: { en: 'Activities', ar: 'الأنشطة', fa: 'فعالیت‌ها' },
  },
  custom: false,
  table: 'activities',
  titleFields: ['subject'],
  subtitleField: 'type',
  fields: [
    field(
      'type',
      'type',
      { en: 'Type', ar: 'النوع', fa: 'نوع' },
      { type: 'select', options: ACTIVITY_TYPES, required: true },
    ),
    field(
      'subject',
      'subject',
      { en: 'Subject', ar: 'الموضوع', fa: 'موضوع' },
      { type: 'text', searchable: true, maxLength: 500 },
    ),
    field('body', 'body', { en: 'Body', ar: 'المحتوى', fa: 'متن' }, { type: 'longText', searchable: true }),
    field(
      'occurredAt',
      'occurred_at',
      { en: 'Occurred at', ar: 'وقت الحدوث', fa: 'زمان وقوع' },
      { type: 'dateTime' },
    ),
    field(
      'durationSeconds',
      'duration_seconds',
      { en: 'Duration (s)', ar: 'المدة (ث)', fa: 'مدت (ثانیه)' },
      { type: 'number' },
    ),
    field(
      'direction',
      'direction',
      { en: 'Direction', ar: 'الاتجاه', fa: 'جهت' },
      {
        type: 'select',
        options: options(['inbound', 'Inbound', 'وارد', 'ورودی'], ['outbound', 'Outbound', 'صادر', 'خروجی']),
      },
    ),
    field(
      'outcome',
      'outcome',
      { en: 'Outcome', ar: 'النتيجة', fa: 'نتیجه' },
      { type: 'text', maxLength: 200 },
    ),
    field(
      'people',
      'person_ids',
      { en: 'People', ar: 'الأشخاص', fa: 'اشخاص' },
      { type: 'relation', relation: { object: 'people', many: true } },
    ),
    field(
      'companies',
      'company_ids',
      { en: 'Companies', ar: 'الشركات', fa: 'شرکت‌ها' },
      { type: 'relation', relation: { object: 'companies', many: true } },
    ),
    field(
      'deals',
      'deal_ids',
      { en: 'Deals', ar: 'الصفقات', fa: 'معاملات' },
      { type: 'relation', relation: { object: 'deals', many: true } },
    ),
    field(
      'leads',
      'lead_ids',
      { en: 'Leads', ar: 'العملاء المحتملون', fa: 'سرنخ‌ها' },
      { type: 'relation', relation: { object: 'leads', many: true } },
    ),
    owner(),
  ],
};

const tasks: ObjectDef = {
  key: 'tasks',
  position: 60,
  labels: {
    singular: { en: 'Task', ar: 'مهمة', fa: 'وظیفه' },
    plural: { en: 'Tasks', ar: 'المهام', fa: 'وظایف' },
  },
  custom: false,
  table: 'tasks',
  titleFields: ['title'],
  subtitleField: 'status',
  fields: [
    field(
      'title',
      'title',
      { en: 'Title', ar: 'العنوان', fa: 'عنوان' },
      { type: 'text', required: true, searchable: true, maxLength: 500 },
    ),
    field('dueAt', 'due_at', { en: 'Due', ar: 'الاستحقاق', fa: 'سررسید' }, { type: 'dateTime' }),
    field(
      'status',
      'status',
      { en: 'Status', ar: 'الحالة', fa: 'وضعیت' },
      {
        type: 'select',
        required: true,
        defaultValue: 'open',
        options: options(
          ['open', 'Open', 'مفتوحة', 'باز'],
          ['in_progress', 'In progress', 'قيد التنفيذ', 'در حال انجام'],
          ['done', 'Done', 'منجزة', 'انجام شده'],
          ['cancelled', 'Cancelled', 'ملغاة', 'لغو شده'],
        ),
      },
    ),
    field(
      'priority',
      'priority',
      { en: 'Priority', ar: 'الأولوية', fa: 'اولویت' },
      {
        type: 'select',
        defaultValue: 'normal',
        options: PRIORITIES,
      },
    ),
    field('assignee', 'assignee_id', { en: 'Assignee', ar: 'المكلَّف', fa: 'مسئول انجام' }, { type: 'user' }),
    field(
      'linkedObject',
      'linked_object',
      { en: 'Linked object', ar: 'نوع السجل المرتبط', fa: 'نوع رکورد مرتبط' },
      { type: 'text', maxLength: 64 },
    ),
    field(
      'linkedRecord',
      'linked_record_id',
      { en: 'Linked record', ar: 'السجل المرتبط', fa: 'رکورد مرتبط' },
      { type: 'text', maxLength: 36 },
    ),
    owner(),
  ],
};

/** The record engine's own standard objects (the sales module brings deals, pipelines and stages). */
export const STANDARD_OBJECTS: readonly ObjectDef[] = [people, companies, leads, activities, tasks];
