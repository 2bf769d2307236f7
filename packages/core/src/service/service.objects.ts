import type { ObjectDef } from '../metadata/metadata.types.ts';
import { field, LANGUAGES, options, PRIORITIES, tags } from '../metadata/standard-objects.ts';

// The service desk's standard object: tickets. Admins add custom fields and select options like on any object.

/** Ticket statuses in their usual order; pausing ones are chosen per SLA policy. */
export const TICKET_STATUSES = options(
  ['new', 'New', 'جديدة', 'جدید'],
  ['open', 'Open', 'مفتوحة', 'باز'],
  ['pending_customer', 'Pending customer', 'بانتظار العميل', 'در انتظار مشتری'],
  ['pending_third_party', 'Pending third party', 'بانتظار طرف ثالث', 'در انتظار شخص ثالث'],
  ['on_hold', 'On hold', 'معلّقة', 'معلق'],
  ['resolved', 'Resolved', 'محلولة', 'حل‌شده'],
  ['closed', 'Closed', 'مغلقة', 'بسته'],
);

/** Statuses in which a ticket is done: entering one stamps `resolvedAt`/`closedAt`, leaving both reopens it. */
export const DONE_STATUSES: ReadonlySet<string> = new Set(['resolved', 'closed']);

/** A ticket's SLA in one word, kept by the desk from its clocks (sla-clocks.ts `summarize`). */
export const SLA_STATUSES = options(
  ['none', 'No SLA', 'بلا اتفاقية', 'بدون SLA'],
  ['on_track', 'On track', 'ضمن الموعد', 'در مسیر'],
  ['warning', 'Due soon', 'يقترب الموعد', 'نزدیک به موعد'],
  ['breached', 'Breached', 'متجاوزة', 'نقض‌شده'],
  ['paused', 'Paused', 'متوقفة مؤقتًا', 'متوقف'],
  ['met', 'Met', 'مستوفاة', 'برآورده‌شده'],
);

/** The agent's disposition on a resolved ticket: was it resolved at first contact? */
export const FCR_DISPOSITIONS = options(
  ['first_contact', 'Resolved at first contact', 'حُلّت من أول تواصل', 'در اولین تماس حل شد'],
  ['follow_up', 'Needed follow-up', 'احتاجت إلى متابعة', 'پیگیری لازم شد'],
  ['not_applicable', 'Not applicable', 'لا ينطبق', 'موضوعیت ندارد'],
);

export const tickets: ObjectDef = {
  key: 'tickets',
  position: 70,
  labels: {
    singular: { en: 'Ticket', ar: 'تذكرة', fa: 'تیکت' },
    plural: { en: 'Tickets', ar: 'التذاكر', fa: 'تیکت‌ها' },
  },
  custom: false,
  table: 'tickets',
  titleFields: ['subject'],
  subtitleField: 'status',
  fields: [
    field('number', 'number', { en: 'Number', ar: 'الرقم', fa: 'شماره' }, { type: 'number', readOnly: true }),
    field(
      'subject',
      'subject',
      { en: 'Subject', ar: 'الموضوع', fa: 'موضوع' },
      { type: 'text', required: true, searchable: true, maxLength: 500 },
    ),
    field(
      'description',
      'description',
      { en: 'Description', ar: 'الوصف', fa: 'شرح' },
      { type: 'longText', searchable: true, maxLength: 100_000 },
    ),
    field(
      'requester',
      'requester_id',
      { en: 'Requester', ar: 'مقدّم الطلب', fa: 'درخواست‌کننده' },
      { type: 'relation', relation: { object: 'people', many: false } },
    ),
    field(
      'company',
      'company_id',
      { en: 'Company', ar: 'الشركة', fa: 'شرکت' },
      { type: 'relation', relation: { object: 'companies', many: false } },
    ),
    field(
      'channel',
      'channel',
      { en: 'Channel', ar: 'القناة', fa: 'کانال' },
      {
        type: 'select',
        required: true,
        defaultValue: 'api',
        options: options(
          ['email', 'Email', 'البريد الإلكتروني', 'ایمیل'],
          ['web_form', 'Web form', 'نموذج ويب', 'فرم وب'],
          ['portal', 'Portal', 'البوابة', 'پورتال'],
          ['chat', 'Chat', 'الدردشة', 'گفتگو'],
          ['phone', 'Phone', 'الهاتف', 'تلفن'],
          ['api', 'API', 'واجهة البرمجة', 'API'],
        ),
      },
    ),
    field(
      'status',
      'status',
      { en: 'Status', ar: 'الحالة', fa: 'وضعیت' },
      { type: 'select', required: true, defaultValue: 'new', options: TICKET_STATUSES },
    ),
    field(
      'priority',
      'priority',
      { en: 'Priority', ar: 'الأولوية', fa: 'اولویت' },
      {
        type: 'select',
        required: true,
        defaultValue: 'normal',
        options: PRIORITIES,
        // Kept by the database (service-0018-priority-rank), so the inbox's priority order is an index's.
        rank: { column: 'priority_rank', of: ['low', 'normal', 'high', 'urgent'] },
      },
    ),
    field(
      'type',
      'type',
      { en: 'Type', ar: 'النوع', fa: 'نوع' },
      {
        type: 'select',
        options: options(
          ['question', 'Question', 'سؤال', 'پرسش'],
          ['incident', 'Incident', 'حادثة', 'رخداد'],
          ['problem', 'Problem', 'مشكلة', 'مشکل'],
          ['complaint', 'Complaint', 'شكوى', 'شکایت'],
          ['return', 'Return', 'إرجاع', 'مرجوعی'],
          ['request', 'Request', 'طلب', 'درخواست'],
        ),
      },
    ),
    field(
      'queue',
      'queue',
      { en: 'Queue', ar: 'قائمة الانتظار', fa: 'صف' },
      { type: 'select', defaultValue: 'general', options: options(['general', 'General', 'عام', 'عمومی']) },
    ),
    // The assignee is the ticket's owner, so a role limited to its own records sees the tickets assigned to it.
    field('owner', 'owner_id', { en: 'Assignee', ar: 'المكلَّف', fa: 'مسئول' }, { type: 'user' }),
    tags(),
    field(
      'language',
      'language',
      { en: 'Language', ar: 'اللغة', fa: 'زبان' },
      { type: 'select', options: LANGUAGES },
    ),
    field(
      'deal',
      'deal_id',
      { en: 'Related deal', ar: 'الصفقة المرتبطة', fa: 'معامله مرتبط' },
      { type: 'relation', relation: { object: 'deals', many: false } },
    ),
    field(
      'firstResponseAt',
      'first_response_at',
      { en: 'First response', ar: 'أول رد', fa: 'اولین پاسخ' },
      { type: 'dateTime', readOnly: true },
    ),
    field(
      'resolvedAt',
      'resolved_at',
      { en: 'Resolved', ar: 'تاريخ الحل', fa: 'زمان حل' },
      { type: 'dateTime', readOnly: true },
    ),
    field(
      'closedAt',
      'closed_at',
      { en: 'Closed', ar: 'تاريخ الإغلاق', fa: 'زمان بستن' },
      { type: 'dateTime', readOnly: true },
    ),
    field(
      'reopenCount',
      'reopen_count',
      { en: 'Times reopened', ar: 'مرات إعادة الفتح', fa: 'دفعات بازگشایی' },
      { type: 'number', readOnly: true },
    ),
    field(
      'slaDueAt',
      'sla_due_at',
      { en: 'SLA due', ar: 'موعد اتفاقية الخدمة', fa: 'موعد SLA' },
      { type: 'dateTime', readOnly: true },
    ),
    field(
      'slaStatus',
      'sla_status',
      { en: 'SLA status', ar: 'حالة اتفاقية الخدمة', fa: 'وضعیت SLA' },
      { type: 'select', options: SLA_STATUSES, readOnly: true },
    ),
    // A complaint's deadlines in calendar days from the ticket's creation (complaints.service.ts).
    field(
      'complaintAckDueAt',
      'complaint_ack_due_at',
      { en: 'Acknowledge by', ar: 'الإقرار بالاستلام قبل', fa: 'اعلام وصول تا' },
      { type: 'dateTime', readOnly: true },
    ),
    field(
      'complaintResponseDueAt',
      'complaint_response_due_at',
      { en: 'Final response by', ar: 'الرد النهائي قبل', fa: 'پاسخ نهایی تا' },
      { type: 'dateTime', readOnly: true },
    ),
    // The agent's word on first-contact resolution, asked when resolving and never required (metrics.service.ts).
    field(
      'fcrDisposition',
      'fcr_disposition',
      { en: 'First-contact resolution', ar: 'الحل من أول تواصل', fa: 'حل در اولین تماس' },
      { type: 'select', options: FCR_DISPOSITIONS },
    ),
    // The requester's rating on the satisfaction survey of the ticket's latest resolution (csat.service.ts).
    field(
      'satisfaction',
      'satisfaction',
      { en: 'Satisfaction', ar: 'الرضا', fa: 'رضایت' },
      { type: 'rating', readOnly: true },
    ),
  ],
};

export const NPS_KINDS = options(
  ['relationship', 'Relationship', 'العلاقة', 'رابطه'],
  ['transactional', 'After a ticket', 'بعد تذكرة', 'پس از تیکت'],
);
export const NPS_STATUSES = options(
  ['scheduled', 'Scheduled', 'مجدول', 'زمان‌بندی‌شده'],
  ['sent', 'Sent', 'مُرسَل', 'ارسال‌شده'],
  ['answered', 'Answered', 'مُجاب', 'پاسخ‌داده‌شده'],
  ['cancelled', 'Cancelled', 'ملغى', 'لغوشده'],
  ['skipped', 'Skipped', 'متجاوَز', 'ردشده'],
);

const kept = { readOnly: true } as const;

/**
 * NPS surveys and their answers, kept by the desk (nps.service.ts sends and records them): read like any object —
 * lists, filters, exports, reports, the roles' rules — never written through the record engine. The owner is the
 * member a survey was sent for.
 */
export const npsSurveys: ObjectDef = {
  key: 'npsSurveys',
  position: 72,
  labels: {
    singular: { en: 'NPS survey', ar: 'استبيان NPS', fa: 'نظرسنجی NPS' },
    plural: { en: 'NPS surveys', ar: 'استبيانات NPS', fa: 'نظرسنجی‌های NPS' },
  },
  custom: false,
  table: 'nps_surveys',
  keptBy: 'service',
  titleFields: ['comment'],
  subtitleField: 'status',
  // The comment first: it titles a survey (its link in lists), the person beside it by name.
  fields: [
    field('comment', 'comment', { en: 'Comment', ar: 'التعليق', fa: 'توضیح' }, { type: 'longText', ...kept }),
    field(
      'person',
      'person_id',
      { en: 'Person', ar: 'الشخص', fa: 'شخص' },
      { type: 'relation', relation: { object: 'people', many: false }, ...kept },
    ),
    field(
      'ticket',
      'ticket_id',
      { en: 'Ticket', ar: 'التذكرة', fa: 'تیکت' },
      { type: 'relation', relation: { object: 'tickets', many: false }, ...kept },
    ),
    field(
      'kind',
      'kind',
      { en: 'Kind', ar: 'النوع', fa: 'نوع' },
      { type: 'select', options: NPS_KINDS, ...kept },
    ),
    field(
      'status',
      'status',
      { en: 'Status', ar: 'الحالة', fa: 'وضعیت' },
      { type: 'select', options: NPS_STATUSES, ...kept },
    ),
    field(
      'score',
      'score',
      { en: 'Score (0–10)', ar: 'الدرجة (0–10)', fa: 'امتیاز (۰ تا ۱۰)' },
      { type: 'number', ...kept },
    ),
    field(
      'reason',
      'reason',
      { en: 'Why not sent', ar: 'سبب عدم الإرسال', fa: 'دلیل ارسال نشدن' },
      { type: 'text', ...kept },
    ),
    field(
      'sendAt',
      'send_at',
      { en: 'Send at', ar: 'موعد الإرسال', fa: 'زمان ارسال' },
      { type: 'dateTime', ...kept },
    ),
    field(
      'sentAt',
      'sent_at',
      { en: 'Sent', ar: 'أُرسل في', fa: 'ارسال‌شده در' },
      { type: 'dateTime', ...kept },
    ),
    field(
      'expiresAt',
      'expires_at',
      { en: 'Expires', ar: 'ينتهي في', fa: 'انقضا' },
      { type: 'dateTime', ...kept },
    ),
    field(
      'answeredAt',
      'answered_at',
      { en: 'Answered', ar: 'أُجيب في', fa: 'پاسخ‌داده‌شده در' },
      { type: 'dateTime', ...kept },
    ),
    field(
      'owner',
      'owner_id',
      { en: 'Sent for', ar: 'أُرسل باسم', fa: 'ارسال از طرف' },
      { type: 'user', ...kept },
    ),
  ],
};
