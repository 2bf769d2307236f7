import type { TFunction } from 'i18next';
import type { components } from '../../../api/schema.gen.ts';

export type WebForm = components['schemas']['WebForm'];
export type WebFormSubmission = components['schemas']['WebFormSubmission'];
export type WebFormTarget = components['schemas']['WebFormTarget'];

/** Query keys of the web forms screens. */
export const webFormsKeys = {
  forms: ['leads-module', 'web-forms'] as const,
  targets: ['leads-module', 'web-form-targets'] as const,
  submissions: (status: string) => ['leads-module', 'web-form-submissions', status] as const,
  capture: (leadId: string) => ['leads-module', 'web-form-capture', leadId] as const,
};

/** The reasons the server gives for holding a submission back (each has a sentence in every language). */
export const SPAM_REASONS = [
  'altcha_missing',
  'altcha_invalid',
  'altcha_replayed',
  'honeypot',
  'timestamp_missing',
  'timestamp_invalid',
  'too_fast',
  'disposable_email',
  'unknown_fields',
] as const;

/** The snippet a site pastes to show the form: a container and the embed script from this server. */
export function embedCode(origin: string, publicId: string): string {
  return `<div data-rabita-form-id="${publicId}"></div>\n<script src="${origin}/api/v1/public/web-forms/embed.js" defer></script>`;
}

/** What a form makes, in the reader's language (a lead, a ticket; another module's object by its key). */
export function targetName(t: TFunction, object: string): string {
  if (object === 'leads') return t('ticketForms.targetLeads');
  if (object === 'tickets') return t('ticketForms.targetTickets');
  return object;
}
