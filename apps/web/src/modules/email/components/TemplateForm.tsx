import { Box, Button, Checkbox, Code, Group, Stack, Tabs, Text, Textarea, TextInput } from '@mantine/core';
import { IconAlertCircle } from '@tabler/icons-react';
import { useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ErrorText } from '../../../components/ErrorText.tsx';
import { OWN_DIRECTION, OWN_DIRECTION_CODE } from '../utils/bidi.ts';
import { emailApi } from '../utils/email-api.ts';
import { emailKeys } from '../utils/email-keys.ts';
import type { EmailTemplate } from '../utils/email-types.ts';
import { allPlaced, problemFor, READABLE_ERRORS } from '../utils/field-problem.ts';
import {
  blankTemplate,
  partField,
  partsWithProblems,
  TEMPLATE_FIELDS,
  TEMPLATE_PARTS,
  type TemplateDraft,
  type TemplatePart,
  type TemplateText,
  templateBody,
  templateDraftOf,
} from '../utils/template-form.ts';
import { HtmlPreview } from './HtmlPreview.tsx';

/** The merge fields a template may use, shown as examples under the body. */
const MERGE_FIELDS = [
  '{{ person.firstName }}',
  '{{ company.name }}',
  '{{ record.name }}',
  '{{ owner.name }}',
  '{{ sender.name }}',
];

/** The direction a part is written in: a language's own, or the text's for the default. */
const directionOf = (part: TemplatePart) =>
  part === 'ar' || part === 'fa' ? 'rtl' : part === 'en' ? 'ltr' : 'auto';

/**
 * Creates or edits a template: its name, a default subject and HTML body, and a variant of them per language on
 * tabs of their own (empty fields of a variant fall back to the default), each body with a live preview; shared
 * with the workspace by mailbox managers. Liquid problems the server finds show under their fields, and the tab
 * holding the first of them opens.
 */
export function TemplateForm({
  template,
  canShare,
  onDone,
}: {
  template?: EmailTemplate | undefined;
  canShare: boolean;
  onDone: () => void;
}) {
  const { t } = useTranslation();
  const qc = useQueryClient();
  const [draft, setDraft] = useState<TemplateDraft>(() =>
    template ? templateDraftOf(template) : blankTemplate(),
  );
  const [tab, setTab] = useState<TemplatePart>('default');
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const withProblems = partsWithProblems(error);
  const setPart = (part: TemplatePart, field: keyof TemplateText, value: string) =>
    setDraft((d) => ({ ...d, parts: { ...d.parts, [part]: { ...d.parts[part], [field]: value } } }));

  const save = async () => {
    setBusy(true);
    setError(null);
    try {
      const body = templateBody(draft);
      await (template ? emailApi.updateTemplate(template.id, body) : emailApi.createTemplate(body));
      await qc.invalidateQueries({ queryKey: emailKeys.templates });
      onDone();
    } catch (e) {
      setError(e);
      const first = partsWithProblems(e)[0];
      if (first) setTab(first);
    } finally {
      setBusy(false);
    }
  };

  const partLabel = (part: TemplatePart) =>
    part === 'default' ? t('email.defaultVariant') : t(`language.${part}`);
  return (
    <Box
      component="form"
      onSubmit={(e) => {
        e.preventDefault();
        void save();
      }}
      data-testid="template-form"
      style={READABLE_ERRORS}
    >
      <Stack>
        <TextInput
          label={t('email.templateName')}
          required
          value={draft.name}
          onChange={(e) => {
            const name = e.currentTarget.value;
            setDraft((d) => ({ ...d, name }));
          }}
          error={problemFor(error, 'name')}
        />
        <Tabs value={tab} onChange={(v) => setTab(TEMPLATE_PARTS.find((p) => p === v) ?? 'default')}>
          <Tabs.List>
            {TEMPLATE_PARTS.map((part) => (
              <Tabs.Tab
                key={part}
                value={part}
                rightSection={
                  withProblems.includes(part) ? (
                    <IconAlertCircle
                      size={14}
                      color="var(--mantine-color-red-8)"
                      role="img"
                      aria-label={t('email.tabHasProblems')}
                    />
                  ) : undefined
                }
              >
                {partLabel(part)}
              </Tabs.Tab>
            ))}
          </Tabs.List>
          {TEMPLATE_PARTS.map((part) => {
            const dir = directionOf(part);
            const text = draft.parts[part];
            const isVariant = part !== 'default';
            return (
              <Tabs.Panel key={part} value={part} pt="sm">
                <Stack gap="sm">
                  {isVariant && (
                    <Text size="sm" c="dimmed">
                      {t('email.variantHint', { language: partLabel(part) })}
                    </Text>
                  )}
                  <TextInput
                    label={t('email.templateSubject', { part: partLabel(part) })}
                    styles={OWN_DIRECTION}
                    required={!isVariant}
                    value={text.subject}
                    onChange={(e) => setPart(part, 'subject', e.currentTarget.value)}
                    error={problemFor(error, partField(part, 'subject'))}
                  />
                  <Textarea
                    label={t('email.templateBody', { part: partLabel(part) })}
                    autosize
                    minRows={5}
                    maxRows={14}
                    styles={OWN_DIRECTION_CODE}
                    value={text.bodyHtml}
                    onChange={(e) => setPart(part, 'bodyHtml', e.currentTarget.value)}
                    error={problemFor(error, partField(part, 'bodyHtml'))}
                  />
                  <Text size="xs" c="dimmed">
                    {t('email.mergeFieldsHint')}{' '}
                    {MERGE_FIELDS.map((f) => (
                      <Code key={f} dir="ltr" mx={2}>
                        {f}
                      </Code>
                    ))}
                  </Text>
                  <HtmlPreview
                    html={text.bodyHtml || (isVariant ? draft.parts.default.bodyHtml : '')}
                    dir={dir}
                    title={t('email.previewOf', { part: partLabel(part) })}
                  />
                </Stack>
              </Tabs.Panel>
            );
          })}
        </Tabs>
        <Checkbox
          label={t('email.shareTemplate')}
          description={canShare ? t('email.shareTemplateHint') : t('email.shareTemplateManagers')}
          checked={draft.shared}
          disabled={!canShare}
          onChange={(e) => {
            const shared = e.currentTarget.checked;
            setDraft((d) => ({ ...d, shared }));
          }}
          error={problemFor(error, 'shared')}
        />
        {allPlaced(error, TEMPLATE_FIELDS) ? (
          <Text size="sm" c="red.8" role="alert">
            {t('email.fixFields')}
          </Text>
        ) : (
          <ErrorText error={error} />
        )}
        <Group justify="flex-end">
          {template && (
            <Button variant="default" onClick={onDone}>
              {t('email.cancel')}
            </Button>
          )}
          <Button type="submit" loading={busy}>
            {template ? t('email.save') : t('email.createTemplate')}
          </Button>
        </Group>
      </Stack>
    </Box>
  );
}
