import type { Locale } from '@rabita/shared';
import { z } from 'zod';
import { CALL_OUTCOMES } from './wrap-up.service.ts';

const code = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[\w.-]+$/, 'Letters, digits and _ . - only.');

export const wrapUpInputSchema = z
  .object({
    notes: z.string().max(10_000).nullable().optional().describe('The agent’s notes on the call.'),
    wrapUpCode: code.nullable().optional().describe('One of the workspace’s wrap-up codes.'),
    outcome: z
      .enum(CALL_OUTCOMES)
      .nullable()
      .optional()
      .describe('The agent’s outcome, over the phone system’s; null returns to it.'),
    link: z
      .object({ object: z.enum(['people', 'companies', 'leads']), recordId: z.uuid() })
      .strict()
      .nullable()
      .optional()
      .describe('The record the call is about: picked from the pick list, or a person made from the number.'),
  })
  .strict()
  .meta({ id: 'CallWrapUp' });

export const callTicketInputSchema = z
  .object({
    subject: z.string().trim().min(1).max(500),
    description: z.string().max(100_000).optional(),
    type: z.string().max(64).optional().describe('A ticket type (`complaint`, `question`…).'),
    priority: z.string().max(64).optional(),
  })
  .strict();

export const callTaskInputSchema = z
  .object({
    title: z.string().trim().min(1).max(500),
    dueAt: z.iso.datetime({ offset: true }).optional(),
  })
  .strict();

/** Text of one line an admin names something with: trimmed, not empty, at most `max` long, no control characters. */
export const noControl = (max: number) =>
  z
    .string()
    .trim()
    .min(1)
    .max(max)
    .regex(/^[^\p{Cc}]*$/u, 'No control characters.');

const label = noControl(200);

/** A wrap-up code's label in each of the app's languages it has one in; another key is refused. */
export const wrapUpLabelsSchema = z
  .object({ en: label.optional(), ar: label.optional(), fa: label.optional() } satisfies Record<
    Locale,
    z.ZodType
  >)
  .strict();

const labels = wrapUpLabelsSchema
  .default({})
  .describe('The label per language (en, ar, fa), shown to a reader in theirs; `label` in any other.');

/** One wrap-up code: its code, default label and labels per language (the workspace's list and a queue's own). */
export const wrapUpCodeItemSchema = z.object({ code, label, labels }).strict();

/** A wrap-up code as the server answers it. */
export const wrapUpCodeSchema = z.object({
  code: z.string(),
  label: z.string(),
  labels: z.object({ en: z.string().optional(), ar: z.string().optional(), fa: z.string().optional() }),
});

export const wrapUpCodesSchema = z
  .object({
    codes: z.array(wrapUpCodeItemSchema).max(100),
  })
  .strict()
  .meta({ id: 'CallWrapUpCodes' });
