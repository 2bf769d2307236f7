import { Button, Group, PasswordInput, Stack, Table, Text, TextInput } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ApiError, call, client } from '../../../api/client.ts';
import type { components } from '../../../api/schema.gen.ts';
import { Section } from '../../../components/Section.tsx';
import { formatDateTime } from '../../../lib/format.ts';
import { useAction } from '../../../lib/use-action.ts';
import { usePrefs } from '../hooks/useMe.ts';
import { authKeys } from '../utils/auth-keys.ts';
import { addPasskey } from '../utils/passkeys.ts';
import { PasskeyError } from './PasskeyError.tsx';

type Passkey = components['schemas']['Passkey'];

/** One's passkeys (name, added, last used) with Add (named), Rename and Remove. */
export function PasskeysSettings() {
  const { t } = useTranslation();
  const prefs = usePrefs();
  const list = useQuery({
    queryKey: authKeys.passkeys,
    queryFn: async () => (await call(client.GET('/api/v1/me/passkeys'))).data,
  });
  const { error, busy, run } = useAction();
  const [name, setName] = useState('');
  return (
    <Section title={t('auth.passkeysTitle')}>
      <Stack>
        <Text size="sm">{t('auth.passkeysHint')}</Text>
        {list.data?.length === 0 && <Text c="dimmed">{t('auth.passkeysNone')}</Text>}
        {(list.data?.length ?? 0) > 0 && (
          <Table.ScrollContainer minWidth={520} type="native">
            <Table withTableBorder>
              <Table.Tbody>
                {(list.data ?? []).map((p) => (
                  <PasskeyRow key={p.id} passkey={p} prefs={prefs} />
                ))}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
        )}
        <Group align="flex-end">
          <TextInput
            label={t('auth.passkeyName')}
            value={name}
            maxLength={100}
            onChange={(e) => setName(e.currentTarget.value)}
          />
          <Button
            loading={busy}
            disabled={name.trim() === ''}
            onClick={() =>
              run(async () => {
                await addPasskey(name.trim());
                setName('');
              }, [authKeys.passkeys])
            }
          >
            {t('auth.passkeyAdd')}
          </Button>
        </Group>
        <PasskeyError error={error} />
      </Stack>
    </Section>
  );
}

function PasskeyRow({ passkey, prefs }: { passkey: Passkey; prefs: ReturnType<typeof usePrefs> }) {
  const { t } = useTranslation();
  const { error, run } = useAction();
  const [renaming, setRenaming] = useState<string | null>(null);
  const [password, setPassword] = useState<string | null>(null);
  const path = { params: { path: { id: passkey.id } } };
  const remove = () =>
    run(async () => {
      try {
        await call(
          client.DELETE('/api/v1/me/passkeys/{id}', { ...path, body: password ? { password } : {} }),
        );
      } catch (e) {
        // Long after signing in, the server asks for the password: ask for it here and try again with it.
        if (e instanceof ApiError && e.code === 'recent_sign_in_required' && password === null) {
          setPassword('');
          return;
        }
        throw e;
      }
    }, [authKeys.passkeys]);
  return (
    <Table.Tr>
      <Table.Td>
        {renaming === null ? (
          passkey.name
        ) : (
          <TextInput
            aria-label={t('auth.passkeyName')}
            value={renaming}
            maxLength={100}
            onChange={(e) => setRenaming(e.currentTarget.value)}
          />
        )}
      </Table.Td>
      <Table.Td>
        {t('auth.passkeyAdded')}: {formatDateTime(passkey.createdAt, prefs)}
      </Table.Td>
      <Table.Td>
        {t('settings.lastUsed')}:{' '}
        {passkey.lastUsedAt ? formatDateTime(passkey.lastUsedAt, prefs) : t('settings.never')}
      </Table.Td>
      <Table.Td>
        <Stack gap="xs">
          <Group gap="xs" wrap="nowrap">
            {renaming === null ? (
              <Button size="xs" variant="default" onClick={() => setRenaming(passkey.name)}>
                {t('auth.passkeyRename')}
              </Button>
            ) : (
              <Button
                size="xs"
                disabled={renaming.trim() === ''}
                onClick={() =>
                  run(async () => {
                    await call(
                      client.PATCH('/api/v1/me/passkeys/{id}', { ...path, body: { name: renaming.trim() } }),
                    );
                    setRenaming(null);
                  }, [authKeys.passkeys])
                }
              >
                {t('auth.save')}
              </Button>
            )}
            <Button size="xs" color="red" variant="subtle" onClick={remove}>
              {t('auth.passkeyRemove')}
            </Button>
          </Group>
          {password !== null && (
            <PasswordInput
              size="xs"
              label={t('auth.passkeyPasswordToRemove')}
              visibilityToggleButtonProps={{ 'aria-label': t('auth.showPassword') }}
              value={password}
              autoComplete="current-password"
              onChange={(e) => setPassword(e.currentTarget.value)}
            />
          )}
          <PasskeyError error={error} />
        </Stack>
      </Table.Td>
    </Table.Tr>
  );
}
