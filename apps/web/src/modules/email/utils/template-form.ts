import { ApiError } from '../../../api/client.ts';
import {
  type EmailTemplate,
  isTemplateLanguage,
  TEMPLATE_LANGUAGES,
  type TemplateBody,
  type TemplateLanguage,
} from './email-types.ts';
import { problemFor } from './field-problem.ts';

/** A part of a template the form edits on a tab of its own: the default text, or one language's variant. */
export type TemplatePart = 'default' | TemplateLanguage;
export const TEMPLATE_PARTS: readonly TemplatePart[] = ['default', ...TEMPLATE_LANGUAGES];

/** A subject and an HTML body: the default ones, or a language's. */
export interface TemplateText {
  subject: string;
  bodyHtml: string;
}

/** What the template form holds. */
export interface TemplateDraft {
  name: string;
  shared: boolean;
  parts: Record<TemplatePart, TemplateText>;
}

const empty = (): TemplateText => ({ subject: '', bodyHtml: '' });

/** A new template: nothing written, the author's own. */
export function blankTemplate(): TemplateDraft {
  return { name: '', shared: false, parts: { default: empty(), en: empty(), ar: empty(), fa: empty() } };
}

/** The form for editing a template: its default text and each variant it has. */
export function templateDraftOf(t: EmailTemplate): TemplateDraft {
  const draft = blankTemplate();
  draft.name = t.name;
  draft.shared = t.shared;
  draft.parts.default = { subject: t.subject, bodyHtml: t.bodyHtml };
  for (const [language, v] of Object.entries(t.variants)) {
    if (isTemplateLanguage(language))
      draft.parts[language] = { subject: v.subject ?? '', bodyHtml: v.bodyHtml ?? '' };
  }
  return draft;
}

/** Whether a language's variant has anything written in it. */
export function hasVariant(draft: TemplateDraft, language: TemplateLanguage): boolean {
  const v = draft.parts[language];
  return v.subject.trim() !== '' || v.bodyHtml.trim() !== '';
}

/**
 * The body that saves a template: the default text, and a variant for each language with something written (an
 * empty subject or body of a variant is left out, so the default's is used).
 */
export function templateBody(draft: TemplateDraft): TemplateBody {
  const variants: NonNullable<TemplateBody['variants']> = {};
  for (const language of TEMPLATE_LANGUAGES) {
    if (!hasVariant(draft, language)) continue;
    const { subject, bodyHtml } = draft.parts[language];
    variants[language] = {
      ...(subject.trim() ? { subject } : {}),
      ...(bodyHtml.trim() ? { bodyHtml } : {}),
    };
  }
  return {
    name: draft.name.trim(),
    subject: draft.parts.default.subject,
    bodyHtml: draft.parts.default.bodyHtml,
    variants,
    shared: draft.shared,
  };
}

/** The server's name for a field of a part (`subject`, `variants.fa.bodyHtml`). */
export function partField(part: TemplatePart, field: keyof TemplateText): string {
  return part === 'default' ? field : `variants.${part}.${field}`;
}

/** The parts whose fields the server found a problem in (their tabs are marked, the first one opened). */
export function partsWithProblems(error: unknown): TemplatePart[] {
  if (!(error instanceof ApiError)) return [];
  return TEMPLATE_PARTS.filter(
    (part) =>
      problemFor(error, partField(part, 'subject')) !== undefined ||
      problemFor(error, partField(part, 'bodyHtml')) !== undefined,
  );
}

/** Every field the form shows a problem under. */
export const TEMPLATE_FIELDS: readonly string[] = [
  'name',
  'shared',
  ...TEMPLATE_PARTS.flatMap((p) => [partField(p, 'subject'), partField(p, 'bodyHtml')]),
];

/**
 * A whole document for a sandboxed preview frame: the HTML as written (its Liquid tags unrendered), in the part's
 * direction, with the app's fonts so Arabic and Persian read as they will.
 */
export function previewDocument(html: string, dir: 'ltr' | 'rtl' | 'auto'): string {
  return `<!doctype html><html dir="${dir}"><head><meta charset="utf-8"><style>body{font-family:system-ui,Tahoma,"Noto Sans Arabic",sans-serif;font-size:14px;margin:8px;color:#212529}</style></head><body dir="${dir}">${html}</body></html>`;
}
