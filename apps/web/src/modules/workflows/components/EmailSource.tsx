import { Select } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { emailApi } from '../../email/utils/email-api.ts';
import { emailKeys } from '../../email/utils/email-keys.ts';
import type { Step } from '../utils/workflow-types.ts';

type EmailStep = Extract<Step, { type: 'sendEmail' }>;

/**
 * Where an email step's words and channel come from: an email template (the email module's; its subject and body in
 * the recipient's language) or the step's own text, and a shared mailbox or the server's own mail.
 */
export function EmailSource({ step, onChange }: { step: EmailStep; onChange: (s: EmailStep) => void }) {
  const { t } = useTranslation();
  const templates = useQuery({ queryKey: emailKeys.templates, queryFn: emailApi.templates });
  const mailboxes = useQuery({ queryKey: emailKeys.mailboxes, queryFn: emailApi.mailboxes });
  // A template replaces the step's own words (they are dropped, not kept hidden); without one they are asked for.
  const { templateId: _t, subject: _s, body: _b, translations: _l, ...withoutWords } = step;
  const { mailboxId: _m, ...withoutMailbox } = step;
  return (
    <>
      <Select
        label={t('workflow.emailTemplate')}
        description={t('workflow.emailTemplateHint')}
        placeholder={t('workflow.ownText')}
        data={(templates.data ?? []).map((x) => ({ value: x.id, label: x.name }))}
        value={step.templateId ?? null}
        onChange={(v) =>
          onChange(v ? { ...withoutWords, templateId: v } : { ...withoutWords, subject: '', body: '' })
        }
        clearable
        searchable
      />
      <Select
        label={t('workflow.sendFrom')}
        description={t('workflow.sendFromHint')}
        placeholder={t('workflow.serverMail')}
        data={(mailboxes.data ?? [])
          .filter((m) => m.kind === 'shared')
          .map((m) => ({ value: m.id, label: `${m.name} <${m.address}>` }))}
        value={step.mailboxId ?? null}
        onChange={(v) => onChange(v ? { ...withoutMailbox, mailboxId: v } : withoutMailbox)}
        clearable
      />
    </>
  );
}
