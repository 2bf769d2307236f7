import { ActionIcon, Button, Group, Select, Stack, Text, TextInput } from '@mantine/core';
import { IconTrash } from '@tabler/icons-react';
import { useTranslation } from 'react-i18next';
import { fieldError } from '../../../components/ErrorText.tsx';
import { useMembers } from '../../workspaces/hooks/useMembers.ts';

/** One line of the extension map: the phone system's extension and the member who answers it. */
export interface ExtensionRow {
  extension: string;
  userId: string | null;
}

/** The extension → member map of a connection, a line each, members picked from the workspace's list. */
export function ConnectionExtensions({
  rows,
  onChange,
  error,
}: {
  rows: ExtensionRow[];
  onChange: (rows: ExtensionRow[]) => void;
  error: unknown;
}) {
  const { t } = useTranslation();
  const members = (useMembers().data ?? []).map((m) => ({ value: m.userId, label: m.name }));
  const set = (i: number, patch: Partial<ExtensionRow>) =>
    onChange(rows.map((r, j) => (j === i ? { ...r, ...patch } : r)));
  return (
    <Stack gap={6} data-testid="phone-connection-extensions">
      <Text size="sm" fw={500}>
        {t('phoneSystems.extensions')}
      </Text>
      <Text size="xs" c="dimmed">
        {t('phoneSystems.extensionsHint')}
      </Text>
      {rows.map((row, i) => (
        <Group key={i} gap="xs" align="flex-start" wrap="nowrap">
          <TextInput
            aria-label={t('phoneSystems.extensionN', { n: i + 1 })}
            placeholder="100"
            value={row.extension}
            onChange={(e) => set(i, { extension: e.currentTarget.value })}
            maxLength={20}
            dir="ltr"
            w={110}
            error={fieldError(error, `extensions.${row.extension.trim()}`)}
          />
          <Select
            aria-label={t('phoneSystems.memberN', { n: i + 1 })}
            placeholder={t('phoneSystems.pickMember')}
            data={members}
            value={row.userId}
            onChange={(v) => set(i, { userId: v })}
            searchable
            style={{ flex: 1 }}
          />
          <ActionIcon
            variant="subtle"
            color="red"
            size="lg"
            aria-label={t('phoneSystems.removeExtension', { n: i + 1 })}
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
          onClick={() => onChange([...rows, { extension: '', userId: null }])}
          data-testid="phone-connection-add-extension"
        >
          {t('phoneSystems.addExtension')}
        </Button>
      </Group>
    </Stack>
  );
}
