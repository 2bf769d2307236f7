import { defineSettings, envSchema, envVariable } from '../modules/settings.ts';
import type { SmtpSettings } from './email-send.ts';

/** What the operator sets for workflows (read at start-up; `deps.settings.of(workflowsSettings)`). */
export const workflowsSettings = defineSettings({
  variables: {
    stepsPerMinute: envVariable({
      name: 'RABITA_WORKFLOW_STEPS_PER_MINUTE',
      schema: envSchema.int(1, 1_000_000, 'the default is 6000'),
      default: 6000,
      description: 'Workflow steps one workspace may run a minute; more wait for the next minute.',
    }),
    smtpUrl: envVariable({
      name: 'RABITA_SMTP_URL',
      schema: envSchema.checkedText(
        (v) => URL.canParse(v) && ['smtp:', 'smtps:'].includes(new URL(v).protocol),
        'must be an smtp:// or smtps:// address, e.g. smtp://user:password@mail.example.com:587',
      ),
      description:
        'The SMTP server workflow emails go through when their step names no shared mailbox (`smtp://user:password@host:587`, `smtps://…`).',
      defaultText: 'none: such email steps fail',
    }),
    smtpFrom: envVariable({
      name: 'RABITA_SMTP_FROM',
      schema: envSchema.checkedText(
        (v) => /^[^\s<>@]+@[^\s<>@]+$/.test(v) || /^[^<>]*<[^\s<>@]+@[^\s<>@]+>$/.test(v),
        'must be an email address, e.g. crm@example.com or "Rabita <crm@example.com>"',
      ),
      description: 'The From address of workflow emails.',
      defaultText: 'rabita@ the SMTP server’s host',
    }),
  },
  build: (v) => ({
    stepsPerMinute: v.stepsPerMinute,
    /** Outgoing email (the sendEmail step), when the operator set a server. */
    smtp: v.smtpUrl ? ({ url: v.smtpUrl, from: v.smtpFrom } satisfies SmtpSettings) : undefined,
  }),
});
