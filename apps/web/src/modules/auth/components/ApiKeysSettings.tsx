import { Button, Code, Group, Select, Stack, Table, Text, TextInput } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { call, client } from '../../../api/client.ts';
import { ErrorText } from '../../../components/ErrorText.tsx';
import { Section } from '../../../components/Section.tsx';
import { formatDateTime } from '../../../lib/format.ts';
import { useAction } from '../../../lib/use-action.ts';
import { useRoleChoices } from '../../roles/hooks/useRoles.ts';
import { usePrefs } from '../hooks/useMe.ts';
import { authKeys } from '../utils/auth-keys.ts';

/** The workspace's API keys: issue one with a role, see when each was last used, revoke. */
export default function ApiKeysSettings() {
  const { t } = useTranslation();
  const roleChoices = useRoleChoices();
  const prefs = usePrefs();
  const keys = useQuery({
    queryKey: authKeys.apiKeys,
    queryFn: async () => (await call(client.GET('/api/v1/api-keys'))).data,
  });
  const { error, run } = useAction();
  const [name, setName] = useState('');
  const [role, setRole] = useState<string | null>('member');
  const [token, setToken] = useState<string | null>(null);
  return (
    <Section title={t('settings.apiKeys')}>
      <Stack>
        <Table.ScrollContainer minWidth={520} type="native">
          <Table withTableBorder>
            <Table.Tbody>
              {(keys.data ?? []).map((k) => (
                <Table.Tr key={k.id}>
                  <Table.Td>{k.name}</Table.Td>
                  <Table.Td>
                    <Code>{k.tokenPrefix}…</Code>
                  </Table.Td>
                  <Table.Td>{t(`role.${k.role}`, { defaultValue: k.role })}</Table.Td>
                  <Table.Td>
                    {t('settings.lastUsed')}:{' '}
                    {k.lastUsedAt ? formatDateTime(k.lastUsedAt, prefs) : t('settings.never')}
                  </Table.Td>
                  <Table.Td>
                    <Button
                      size="xs"
                      color="red"
                      variant="subtle"
                      onClick={() =>
                        run(
                          () =>
                            call(client.DELETE('/api/v1/api-keys/{id}', { params: { path: { id: k.id } } })),
                          [authKeys.apiKeys],
                        )
                      }
                    >
                      {t('settings.revoke')}
                    </Button>
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
        <Group align="flex-end">
          <TextInput
            label={t('settings.keyName')}
            value={name}
            onChange={(e) => setName(e.currentTarget.value)}
          />
          <Select label={t('settings.role')} data={roleChoices} value={role} onChange={setRole} />
          <Button
            onClick={() =>
              run(async () => {
                const created = await call(
                  client.POST('/api/v1/api-keys', { body: { name, role: role ?? 'member' } }),
                );
                setToken(created.token);
                setName('');
              }, [authKeys.apiKeys])
            }
          >
            {t('settings.newKey')}
          </Button>
        </Group>
        {token && (
          <Text size="sm">
            {t('settings.keyShown')} <Code>{token}</Code>
          </Text>
        )}
        <ErrorText error={error} />
      </Stack>
    </Section>
  );
}
