import { Anchor, Button, Code, Group, Select, Text, TextInput } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { call, client } from '../../../api/client.ts';
import { ErrorText } from '../../../components/ErrorText.tsx';
import { Section } from '../../../components/Section.tsx';
import { formatDateTime } from '../../../lib/format.ts';
import { useAction } from '../../../lib/use-action.ts';
import { usePrefs } from '../../auth/hooks/useMe.ts';
import { useRoleChoices } from '../../roles/hooks/useRoles.ts';
import { workspaceKeys } from '../utils/workspace-keys.ts';

/** Invite someone with any role of the workspace (custom ones too); pending invitations, which can be withdrawn. */
export function Invitations() {
  const { t } = useTranslation();
  const prefs = usePrefs();
  const roleChoices = useRoleChoices();
  const invitations = useQuery({
    queryKey: workspaceKeys.invitations,
    queryFn: async () => (await call(client.GET('/api/v1/invitations'))).data,
  });
  const { error, busy, run } = useAction();
  const [email, setEmail] = useState('');
  const [role, setRole] = useState<string | null>('member');
  const [link, setLink] = useState<string | null>(null);
  const roleName = (key: string) =>
    roleChoices.find((r) => r.value === key)?.label ?? t(`role.${key}`, { defaultValue: key });
  return (
    <Section title={t('settings.invite')}>
      <Group align="flex-end">
        <TextInput
          label={t('auth.email')}
          type="email"
          value={email}
          onChange={(e) => setEmail(e.currentTarget.value)}
        />
        <Select label={t('settings.role')} data={roleChoices} value={role} onChange={setRole} />
        <Button
          loading={busy}
          onClick={() =>
            run(async () => {
              const created = await call(
                client.POST('/api/v1/invitations', { body: { email, role: role ?? 'member' } }),
              );
              setLink(created.link);
              setEmail('');
            }, [workspaceKeys.invitations])
          }
        >
          {t('settings.invite')}
        </Button>
      </Group>
      {link && (
        <Text size="sm" mt="sm">
          {t('settings.inviteLink')} <Code>{link}</Code>
        </Text>
      )}
      <ErrorText error={error} />
      <Text fw={600} size="sm" mt="md">
        {t('settings.pending')}
      </Text>
      {(invitations.data ?? []).map((i) => (
        <Group key={i.id} gap="xs" data-testid="pending-invitation">
          <Text size="sm">
            {i.email} · {roleName(i.role)} · {t('settings.expires')} {formatDateTime(i.expiresAt, prefs)}
          </Text>
          <Anchor
            size="sm"
            component="button"
            onClick={() =>
              run(
                () => call(client.DELETE('/api/v1/invitations/{id}', { params: { path: { id: i.id } } })),
                [workspaceKeys.invitations],
              )
            }
          >
            {t('settings.remove')}
          </Anchor>
        </Group>
      ))}
    </Section>
  );
}
