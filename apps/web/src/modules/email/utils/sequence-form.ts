import type { EmailSequence, SequenceBody, Weekend } from './email-types.ts';

/** One step as the form holds it: no template chosen yet is allowed while editing. */
export interface StepDraft {
  templateId: string | null;
  delayDays: number;
  asReply: boolean;
}

/** What the sequence form holds; empty choices follow the workspace (its time zone, its weekend). */
export interface SequenceDraft {
  name: string;
  enabled: boolean;
  steps: StepDraft[];
  windowStart: string;
  windowEnd: string;
  timeZone: string | null;
  weekend: Weekend | null;
  dailyCap: number | null;
  stopOnCompanyReply: boolean;
}

/** The server's send window when a sequence names none. */
export const DEFAULT_WINDOW = { start: '09:00', end: '17:00' } as const;

/** A step added to the end: two business days after the one before, in its thread. */
export function nextStep(): StepDraft {
  return { templateId: null, delayDays: 2, asReply: true };
}

/** A new sequence: one step sent at once (in the window), on the workspace's calendar. */
export function blankSequence(): SequenceDraft {
  return {
    name: '',
    enabled: true,
    steps: [{ templateId: null, delayDays: 0, asReply: false }],
    windowStart: DEFAULT_WINDOW.start,
    windowEnd: DEFAULT_WINDOW.end,
    timeZone: null,
    weekend: null,
    dailyCap: null,
    stopOnCompanyReply: false,
  };
}

/** The form for editing a sequence. */
export function sequenceDraftOf(s: EmailSequence): SequenceDraft {
  return {
    name: s.name,
    enabled: s.enabled,
    steps: s.steps.map((step) => ({ ...step })),
    windowStart: s.settings.window?.start ?? DEFAULT_WINDOW.start,
    windowEnd: s.settings.window?.end ?? DEFAULT_WINDOW.end,
    timeZone: s.settings.timeZone ?? null,
    weekend: s.settings.weekend ?? null,
    dailyCap: s.settings.dailyCap ?? null,
    stopOnCompanyReply: s.settings.stopOnCompanyReply ?? false,
  };
}

/**
 * The body that saves a sequence. A step without a template is sent as an empty id, so the server names the step
 * ("steps.1.templateId") and the form shows its problem under that step.
 */
export function sequenceBody(d: SequenceDraft): SequenceBody {
  return {
    name: d.name.trim(),
    enabled: d.enabled,
    steps: d.steps.map((s) => ({
      templateId: s.templateId ?? '',
      delayDays: s.delayDays,
      asReply: s.asReply,
    })),
    settings: {
      window: { start: d.windowStart, end: d.windowEnd },
      ...(d.timeZone ? { timeZone: d.timeZone } : {}),
      ...(d.weekend ? { weekend: d.weekend } : {}),
      ...(d.dailyCap !== null ? { dailyCap: d.dailyCap } : {}),
      stopOnCompanyReply: d.stopOnCompanyReply,
    },
  };
}

/** Why an enrolment stopped, as a dictionary key under `email.stopReason`; `failed: …` keeps its detail apart. */
export function stopReasonKey(reason: string | null): { key: string; detail: string | null } | null {
  if (!reason) return null;
  const known = [
    'manual',
    'replied',
    'company_replied',
    'bounced',
    'unsubscribed',
    'deal_closed',
    'sequence_off',
  ];
  if (known.includes(reason)) return { key: reason, detail: null };
  if (reason.startsWith('failed:')) return { key: 'failed', detail: reason.slice('failed:'.length).trim() };
  return { key: 'other', detail: reason };
}
