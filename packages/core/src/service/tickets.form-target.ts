import { AppError } from '../errors/app-error.ts';
import { loadObject } from '../metadata/metadata.service.ts';
import type { FormTarget, FormTargetField } from '../modules/manifest.ts';
import { createRecordIn } from '../records/create-record.ts';
import { addMessageIn } from './conversation.service.ts';
import { deskPrincipal } from './desk-principal.ts';
import { findOrAddRequester } from './requester.ts';

/** Ticket field types a form may ask for (typed in one box). */
const SIMPLE_TYPES = new Set(['text', 'longText', 'number', 'email', 'phone', 'url', 'select']);
/** Standard ticket fields an admin may put on a form; every other standard field is the desk's. */
const STANDARD_ON_FORMS = new Set(['type', 'priority']);

/** What a ticket form always asks: who is asking (a person found or made) and what about. */
const REQUESTER_AND_REQUEST: FormTargetField[] = [
  {
    key: 'name',
    type: 'text',
    labels: { en: 'Your name', ar: 'الاسم', fa: 'نام شما' },
    required: true,
    mustAsk: true,
    storedAs: { object: 'people', field: 'firstName' },
  },
  {
    key: 'email',
    type: 'email',
    labels: { en: 'Email', ar: 'البريد الإلكتروني', fa: 'ایمیل' },
    required: true,
    mustAsk: true,
    storedAs: { object: 'people', field: 'emails' },
  },
  {
    key: 'phone',
    type: 'phone',
    labels: { en: 'Phone', ar: 'الهاتف', fa: 'تلفن' },
    required: false,
    mustAsk: false,
    storedAs: { object: 'people', field: 'phones' },
  },
  {
    key: 'subject',
    type: 'text',
    labels: { en: 'Subject', ar: 'الموضوع', fa: 'موضوع' },
    required: true,
    mustAsk: true,
  },
  {
    key: 'description',
    type: 'longText',
    labels: { en: 'How can we help?', ar: 'كيف يمكننا المساعدة؟', fa: 'چه کمکی از ما برمی‌آید؟' },
    required: true,
    mustAsk: true,
  },
];
const REQUESTER_KEYS = new Set(['name', 'email', 'phone', 'description']);

/** The form's field a refusal of the requester's person names (`emails.0` is the form's `email`). */
function personField(field: string): string {
  if (field.startsWith('emails')) return 'email';
  if (field.startsWith('phones')) return 'phone';
  return 'name';
}

/**
 * The ticket target: a form asks for the requester's name, email (and phone), the subject and description, and
 * any writable custom ticket field of a simple type (type and priority when the admin puts them on). A clean
 * submission finds the requester among people by email, case-insensitively, or makes the person; opens a ticket
 * from the web form in the form's language; and makes the description the ticket's first message, the
 * customer's own (so it stamps no first response). The ticket's hooks then apply its SLA policy as for any ticket.
 */
export const ticketFormTarget: FormTarget = {
  object: 'tickets',
  rights: {
    people: { read: true, create: true, update: false, delete: false },
    tickets: { read: true, create: true, update: false, delete: false },
  },
  async fields(trx, workspaceId) {
    const tickets = await loadObject(trx, workspaceId, 'tickets');
    const own = tickets.fields
      .filter(
        (d) =>
          !d.readOnly &&
          SIMPLE_TYPES.has(d.type) &&
          (d.custom || STANDARD_ON_FORMS.has(d.key)) &&
          !REQUESTER_KEYS.has(d.key),
      )
      .map((d) => ({
        key: d.key,
        type: d.type,
        labels: d.labels,
        // Type and priority have defaults the desk uses when the form leaves them empty.
        required: d.custom && d.required,
        mustAsk: d.custom && d.required && d.defaultValue === undefined,
        options: d.type === 'select' ? (d.options ?? []) : undefined,
      }));
    return [...REQUESTER_AND_REQUEST, ...own];
  },
  async create({ trx, workspaceId, principal, form, submissionId, values }) {
    const origin = { source: 'system' as const, cause: { kind: 'webForm', runId: submissionId, depth: 0 } };
    const requester = await findOrAddRequester(
      trx,
      principal,
      { email: values.email ?? '', name: values.name, phone: values.phone },
      origin,
    ).catch((error: unknown) => {
      // A refusal of the person names the form's own boxes (`emails.0` is the form's `email`).
      if (error instanceof AppError && error.errors)
        throw new AppError(error.code, error.message, {
          errors: error.errors.map((e) => ({ ...e, field: personField(e.field) })),
        });
      throw error;
    });
    const fields: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(values)) if (!REQUESTER_KEYS.has(key)) fields[key] = value;
    const ticket = await createRecordIn(
      trx,
      principal,
      'tickets',
      { ...fields, channel: 'web_form', language: form.locale, requester },
      origin,
    );
    const ticketId = String(ticket.id);
    // The desk records the customer's message on the ticket the form opened (the form itself may only create).
    if (values.description)
      await addMessageIn(trx, deskPrincipal(workspaceId), workspaceId, ticketId, {
        kind: 'customer',
        body: values.description,
      });
    return ticketId;
  },
};
