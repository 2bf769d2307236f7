import { Group, Menu, Text, UnstyledButton } from '@mantine/core';
import { IconChevronDown } from '@tabler/icons-react';
import { useQueryClient } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { client } from '../../../api/client.ts';
import { useMe } from '../hooks/useMe.ts';
import { useSignOut } from '../hooks/useSignOut.ts';

/** The header's workspace menu: who is signed in, the other workspaces to switch to, and signing out. */
export function AccountMenu() {
  const { t } = useTranslation();
  const me = useMe().data;
  const signOut = useSignOut();
  const qc = useQueryClient();
  if (!me) return null;
  return (
    <Menu position="bottom-end">
      <Menu.Target>
        <UnstyledButton title={t('nav.workspace')}>
          <Group gap={4} wrap="nowrap">
            <Text size="sm" truncate maw={140}>
              {me.workspace.name}
            </Text>
            <IconChevronDown size={14} />
          </Group>
        </UnstyledButton>
      </Menu.Target>
      <Menu.Dropdown>
        <Menu.Label>{me.user?.name}</Menu.Label>
        {me.workspaces.length > 1 && <Menu.Label>{t('nav.switchWorkspace')}</Menu.Label>}
        {me.workspaces
          .filter((w) => w.id !== me.workspace.id)
          .map((w) => (
            <Menu.Item
              key={w.id}
              onClick={async () => {
                await client.POST('/api/v1/auth/switch-workspace', { body: { workspaceId: w.id } });
                qc.clear();
                window.location.assign('/');
              }}
            >
              {w.name}
            </Menu.Item>
          ))}
        <Menu.Divider />
        <Menu.Item onClick={signOut}>{t('auth.signOut')}</Menu.Item>
      </Menu.Dropdown>
    </Menu>
  );
}
