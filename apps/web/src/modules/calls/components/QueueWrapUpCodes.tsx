import { ActionIcon, Button, Group, Stack, Text, TextInput } from '@mantine/core';
import { IconTrash } from '@tabler/icons-react';
import { useTranslation } from 'react-i18next';
import { fieldError } from '../../../components/ErrorText.tsx';

/** One wrap-up code of a queue's own list: the code kept on calls, and the label agents pick. */
export interface CodeRow {
  code: string;
  label: string;
}

/**
 * A queue's own wrap-up codes, a line each (code and label); an empty list means the workspace's codes apply to the
 * queue's calls.
 */
export function QueueWrapUpCodes({
  rows,
  onChange,
  error,
}: {
  rows: CodeRow[];
  onChange: (rows: CodeRow[]) => void;
  error: unknown;
}) {
  const { t } = useTranslation();
  const set = (i: number, patch: Partial<CodeRow>) =>
    onChange(rows.map((r, j) => (j === i ? { ...r, ...patch } : r)));
  return (
    <Stack gap={6} data-testid="call-queue-codes">
      <Text size="sm" fw={500}>
        {t('callQueues.codes')}
      </Text>
      <Text size="xs" c="dimmed">
        {rows.length === 0 ? t('callQueues.codesInherited') : t('callQueues.codesHint')}
      </Text>
      {rows.map((row, i) => (
        <Group key={i} gap="xs" align="flex-start" wrap="nowrap">
          <TextInput
            aria-label={t('callQueues.codeN', { n: i + 1 })}
            placeholder="resolved"
            value={row.code}
            onChange={(e) => set(i, { code: e.currentTarget.value })}
            maxLength={64}
            dir="ltr"
            w={140}
            error={fieldError(error, `wrapUpCodes.${i}.code`)}
          />
          <TextInput
            aria-label={t('callQueues.labelN', { n: i + 1 })}
            placeholder={t('callQueues.labelPlaceholder')}
            value={row.label}
            onChange={(e) => set(i, { label: e.currentTarget.value })}
            maxLength={200}
            style={{ flex: 1 }}
            error={fieldError(error, `wrapUpCodes.${i}.label`)}
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
      ))}
      <Group>
        <Button
          size="compact-sm"
          variant="light"
          onClick={() => onChange([...rows, { code: '', label: '' }])}
          data-testid="call-queue-add-code"
        >
          {t('callQueues.addCode')}
        </Button>
      </Group>
    </Stack>
  );
}
