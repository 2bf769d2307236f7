import { Accordion, Stack, Text, Textarea, TextInput } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import type { Step } from '../utils/workflow-types.ts';

type EmailStep = Extract<Step, { type: 'sendEmail' }>;
const LANGUAGES = ['fa', 'ar', 'en'] as const;

/**
 * The email in other languages: a recipient whose language (their record's preferred language) has one gets it;
 * everyone else the subject and body above. A language left empty has no translation.
 */
export function EmailTranslations({ step, onChange }: { step: EmailStep; onChange: (s: Step) => void }) {
  const { t } = useTranslation();
  const set = (lang: (typeof LANGUAGES)[number], part: 'subject' | 'body', value: string) => {
    const current = step.translations?.[lang] ?? { subject: '', body: '' };
    const next = { ...current, [part]: value };
    const { [lang]: _, ...others } = step.translations ?? {};
    const translations = next.subject || next.body ? { ...others, [lang]: next } : others;
    const { translations: __, ...rest } = step;
    onChange(Object.keys(translations).length ? { ...rest, translations } : rest);
  };
  return (
    <Accordion variant="contained" chevronPosition="left">
      <Accordion.Item value="translations">
        <Accordion.Control>{t('workflow.emailTranslations')}</Accordion.Control>
        <Accordion.Panel>
          <Stack gap="sm">
            <Text size="xs" c="dimmed">
              {t('workflow.emailTranslationsHint')}
            </Text>
            {LANGUAGES.map((lang) => (
              <Stack key={lang} gap={4} lang={lang} dir={lang === 'en' ? 'ltr' : 'rtl'}>
                <TextInput
                  label={`${t(`language.${lang}`)} · ${t('workflow.subject')}`}
                  value={step.translations?.[lang]?.subject ?? ''}
                  onChange={(e) => set(lang, 'subject', e.currentTarget.value)}
                />
                <Textarea
                  label={`${t(`language.${lang}`)} · ${t('workflow.body')}`}
                  value={step.translations?.[lang]?.body ?? ''}
                  onChange={(e) => set(lang, 'body', e.currentTarget.value)}
                  autosize
                  minRows={2}
                />
              </Stack>
            ))}
          </Stack>
        </Accordion.Panel>
      </Accordion.Item>
    </Accordion>
  );
}
