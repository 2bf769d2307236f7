import type { components, paths } from '../../../api/schema.gen.ts';

/** A connected mailbox as the API shows it (never its secret). */
export type Mailbox = components['schemas']['Mailbox'];
export type MailboxStatus = Mailbox['status'];
/** How a mail connection is protected: TLS from the start, STARTTLS after greeting, or none. */
export type Security = Mailbox['imap']['security'];
export type Visibility = Mailbox['visibility'];
/** A message of a thread, cut to what the reader may see of it. */
export type EmailMessage = components['schemas']['EmailMessage'];
export type CreateMailboxBody =
  paths['/api/v1/mailboxes']['post']['requestBody']['content']['application/json'];
export type PatchMailboxBody =
  paths['/api/v1/mailboxes/{id}']['patch']['requestBody']['content']['application/json'];
export type SendBody = paths['/api/v1/email/send']['post']['requestBody']['content']['application/json'];
/** A send through the outbox: the same body with a time to send at, or a few seconds to undo it. */
export type OutboxBody = paths['/api/v1/email/outbox']['post']['requestBody']['content']['application/json'];
/** A message waiting in the outbox, or what became of it. */
export type OutboxEntry = components['schemas']['EmailOutboxEntry'];
export type OutboxStatus = OutboxEntry['status'];
/** A template in Liquid: a subject and an HTML body, and a variant of them per language. */
export type EmailTemplate = components['schemas']['EmailTemplate'];
export type TemplateBody =
  paths['/api/v1/email/templates']['post']['requestBody']['content']['application/json'];
type RenderPath = paths['/api/v1/email/templates/{id}/render']['post'];
export type RenderBody = RenderPath['requestBody']['content']['application/json'];
/** A template rendered for a record as the caller sees it. */
export type RenderedTemplate = RenderPath['responses'][200]['content']['application/json'];
/** The languages a template has a variant for, as the server names them. */
export type TemplateLanguage = NonNullable<RenderBody['language']>;
export type EmailSequence = components['schemas']['EmailSequence'];
export type SequenceBody =
  paths['/api/v1/email/sequences']['post']['requestBody']['content']['application/json'];
export type SequenceSettings = EmailSequence['settings'];
/** The weekend a sequence keeps, when it does not follow the workspace's. */
export type Weekend = NonNullable<SequenceSettings['weekend']>;
/** A person enrolled in a sequence: where they are in it and why it stopped. */
export type Enrolment = components['schemas']['EmailEnrolment'];
export type EnrolmentStatus = Enrolment['status'];
type EnrolPath = paths['/api/v1/email/sequences/{id}/enrol']['post'];
export type EnrolBody = EnrolPath['requestBody']['content']['application/json'];
export type EnrolResult = EnrolPath['responses'][200]['content']['application/json'];
type StatsPath = paths['/api/v1/email/stats']['get'];
export type StatsQuery = StatsPath['parameters']['query'];
/** Sent, delivered, opened, clicked, replied and bounced per day, and their total. */
export type EmailStats = StatsPath['responses'][200]['content']['application/json'];
export type DayStats = EmailStats['days'][number];
/** An address no mail goes to (a hard bounce, an unsubscribe). */
export type Suppression =
  paths['/api/v1/email/suppressions']['get']['responses'][200]['content']['application/json']['data'][number];

// Every status, security and visibility, as records over the generated types: a value the server adds fails to
// compile here until it is listed.
const STATUSES: Record<MailboxStatus, true> = {
  connecting: true,
  syncing: true,
  ready: true,
  failing: true,
  paused: true,
};
const SECURITIES: Record<Security, true> = { tls: true, starttls: true, none: true };
const VISIBILITIES: Record<Visibility, true> = { everything: true, subject: true, metadata: true };
export const MAILBOX_STATUSES = Object.keys(STATUSES) as MailboxStatus[];
export const SECURITY_CHOICES = Object.keys(SECURITIES) as Security[];
export const VISIBILITY_CHOICES = Object.keys(VISIBILITIES) as Visibility[];
const LANGUAGES: Record<TemplateLanguage, true> = { en: true, ar: true, fa: true };
const WEEKENDS: Record<Weekend, true> = { fri: true, 'thu-fri': true, 'fri-sat': true, 'sat-sun': true };
export const TEMPLATE_LANGUAGES = Object.keys(LANGUAGES) as TemplateLanguage[];
export const WEEKEND_CHOICES = Object.keys(WEEKENDS) as Weekend[];

/** Whether text from a select is a connection security, narrowed, never cast. */
export function isSecurity(value: unknown): value is Security {
  return typeof value === 'string' && Object.hasOwn(SECURITIES, value);
}

/** Whether text from a select is a visibility, narrowed, never cast. */
export function isVisibility(value: unknown): value is Visibility {
  return typeof value === 'string' && Object.hasOwn(VISIBILITIES, value);
}

/** Whether text from a select is a template language, narrowed, never cast. */
export function isTemplateLanguage(value: unknown): value is TemplateLanguage {
  return typeof value === 'string' && Object.hasOwn(LANGUAGES, value);
}

/** Whether text from a select is a weekend choice, narrowed, never cast. */
export function isWeekend(value: unknown): value is Weekend {
  return typeof value === 'string' && Object.hasOwn(WEEKENDS, value);
}
