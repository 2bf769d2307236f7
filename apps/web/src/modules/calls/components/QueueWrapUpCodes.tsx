import { ActionIcon, Button, Group, Stack, Text, TextInput } from '@mantine/core';
import { IconTrash } from '@tabler/icons-react';
import { useTranslation } from 'react-i18next';
import { fieldError } from '../../../components/ErrorText.tsx';
import { LOCALES, type Locale, RTL } from '../../../i18n/index.ts';
import type { WrapUpLabels } from '../utils/wrap-up-label.ts';

/**
 * One wrap-up code of a list (a queue's own or the workspace's): the code kept on calls, the label agents pick by
 * default, and its label in each language (blank: the default label).
 */
export interface CodeRow {
  code: string;
  label: string;
  labels: Record<Locale, string>;
}

/** A code as the server sends it, as the form edits it. */
export function codeRowOf(c: { code: string; label: string; labels?: WrapUpLabels | undefined }): CodeRow {
  return { code: c.code, label: c.label, labels: { en: '', ar: '', fa: '', ...c.labels } };
}

/** The rows as the server takes them: blank lines left out, everything trimmed, blank labels per language too. */
export function codesOfRows(rows: readonly CodeRow[]) {
  return rows
    .filter((c) => c.code.trim() !== '' || c.label.trim() !== '')
    .map((c) => ({
      code: c.code.trim(),
      label: c.label.trim(),
      labels: Object.fromEntries(
        LOCALES.flatMap((l) => (c.labels[l].trim() === '' ? [] : [[l, c.labels[l].trim()]])),
      ) as WrapUpLabels,
    }));
}

/**
 * A list of wrap-up codes, a line each (code and label, then the label in each language); for a queue, an empty list
 * means the workspace's codes apply to its calls. `field` is the list's name in the API's problems (`wrapUpCodes`
 * for a queue, `codes` for the workspace).
 */
export function QueueWrapUpCodes({
  rows,
  onChange,
  error,
  field = 'wrapUpCodes',
  hint,
  showTitle = true,
  testId = 'call-queue',
}: {
  rows: CodeRow[];
  onChange: (rows: CodeRow[]) => void;
  error: unknown;
  field?: string;
  /** What the list is for (the queue's words when not given). */
  hint?: string;
  showTitle?: boolean;
  /** Prefix of the list's and its add button's test ids. */
  testId?: string;
}) {
  const { t } = useTranslation();
  const set = (i: number, patch: Partial<CodeRow>) =>
    onChange(rows.map((r, j) => (j === i ? { ...r, ...patch } : r)));
  const setLabel = (i: number, locale: Locale, value: string) =>
    onChange(rows.map((r, j) => (j === i ? { ...r, labels: { ...r.labels, [locale]: value } } : r)));
  return (
    <Stack gap={6} data-testid={`${testId}-codes`}>
      {showTitle && (
        <Text size="sm" fw={500}>
          {t('callQueues.codes')}
        </Text>
      )}
      <Text size="xs" c="dimmed">
        {hint ?? (rows.length === 0 ? t('callQueues.codesInherited') : t('callQueues.codesHint'))}
      </Text>
      {rows.map((row, i) => (
        <Stack key={i} gap={4} data-testid={`${testId}-code-${i}`}>
          <Group gap="xs" align="flex-start" wrap="nowrap">
            <TextInput
              aria-label={t('callQueues.codeN', { n: i + 1 })}
              placeholder="resolved"
              value={row.code}
              onChange={(e) => set(i, { code: e.currentTarget.value })}
              maxLength={64}
              dir="ltr"
              w={140}
              error={fieldError(error, `${field}.${i}.code`)}
            />
            <TextInput
              aria-label={t('callQueues.labelN', { n: i + 1 })}
              placeholder={t('callQueues.labelPlaceholder')}
              value={row.label}
              onChange={(e) => set(i, { label: e.currentTarget.value })}
              maxLength={200}
              style={{ flex: 1 }}
              error={fieldError(error, `${field}.${i}.label`)}
            />
            <ActionIcon
              variant="subtle"
              color="red"
              size="lg"
              aria-label={t('callQueues.removeCode', { n: i + 1 })}
              onClick={() => onChange(rows.filter((_, j) => j !== i))}
            >
              <IconTrash size={16} />
            </ActionIcon>
          </Group>
          {/* Each language's label, written in its own direction; blank shows the label above. */}
          <Group gap="xs" grow align="flex-start" ps={148} pe={42}>
            {LOCALES.map((locale) => (
              <TextInput
                key={locale}
                size="xs"
                label={t(`language.${locale}`)}
                aria-label={t('callQueues.labelInN', { n: i + 1, language: t(`language.${locale}`) })}
                placeholder={row.label}
                value={row.labels[locale]}
                onChange={(e) => setLabel(i, locale, e.currentTarget.value)}
                maxLength={200}
                lang={locale}
                dir={RTL.has(locale) ? 'rtl' : 'ltr'}
                error={
                  fieldError(error, `${field}.${i}.labels.${locale}`) ??
                  (locale === 'en' ? fieldError(error, `${field}.${i}.labels`) : undefined)
                }
              />
            ))}
          </Group>
        </Stack>
      ))}
      <Group>
        <Button
          size="compact-sm"
          variant="light"
          onClick={() => onChange([...rows, codeRowOf({ code: '', label: '' })])}
          data-testid={`${testId}-add-code`}
        >
          {t('callQueues.addCode')}
        </Button>
      </Group>
    </Stack>
  );
}
