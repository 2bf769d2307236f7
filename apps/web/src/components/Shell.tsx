import {
  AppShell,
  Burger,
  Button,
  Group,
  Menu,
  ScrollArea,
  Text,
  Title,
  UnstyledButton,
} from '@mantine/core';
import { useDisclosure } from '@mantine/hooks';
import { IconChevronDown, IconLayoutKanban, IconSearch, IconSettings } from '@tabler/icons-react';
import { useQueryClient } from '@tanstack/react-query';
import { Navigate, Outlet, useRouterState } from '@tanstack/react-router';
import { useTranslation } from 'react-i18next';
import { client } from '../api/client.ts';
import type { Locale } from '../i18n/index.ts';
import { useLiveEvents } from '../lib/live.ts';
import { label } from '../lib/metadata.ts';
import { useMe, useObjects, useSignOut } from '../lib/session.ts';
import { LanguageSwitch } from './LanguageSwitch.tsx';
import { NavLinkLink } from './links.tsx';
import { NotificationsBell } from './NotificationsBell.tsx';
import { openSearch, SearchSpotlight } from './SearchSpotlight.tsx';

// Objects that are parts of others and have no list of their own in the sidebar.
const HIDDEN = new Set(['pipelines', 'stages']);

/** The frame around every signed-in screen: header, sidebar of objects, search and notifications. */
export function Shell() {
  const { t, i18n } = useTranslation();
  const me = useMe();
  const objects = useObjects();
  const [opened, { toggle, close }] = useDisclosure();
  const path = useRouterState({ select: (s) => s.location.pathname });
  const signOut = useSignOut();
  const qc = useQueryClient();
  useLiveEvents(Boolean(me.data));
  if (me.isLoading) return null;
  if (!me.data) return <Navigate to="/sign-in" />;
  const locale = i18n.language as Locale;
  return (
    <AppShell
      header={{ height: 56 }}
      navbar={{ width: 240, breakpoint: 'sm', collapsed: { mobile: !opened } }}
      padding="md"
    >
      <AppShell.Header>
        <Group h="100%" px="md" justify="space-between" wrap="nowrap">
          <Group gap="sm" wrap="nowrap">
            <Burger opened={opened} onClick={toggle} hiddenFrom="sm" size="sm" aria-label={t('nav.menu')} />
            <Title order={1} size="h4">
              {t('app.name')}
            </Title>
          </Group>
          <Group gap="xs" wrap="nowrap">
            <Button
              variant="default"
              size="xs"
              leftSection={<IconSearch size={16} />}
              onClick={openSearch}
              visibleFrom="xs"
              data-testid="open-search"
            >
              {t('nav.search')}{' '}
              <Text span c="dimmed" size="xs" ms={6}>
                Ctrl K
              </Text>
            </Button>
            <Button
              variant="subtle"
              size="xs"
              hiddenFrom="xs"
              onClick={openSearch}
              aria-label={t('nav.search')}
            >
              <IconSearch size={18} />
            </Button>
            <NotificationsBell />
            <Menu position="bottom-end">
              <Menu.Target>
                <UnstyledButton title={t('nav.workspace')}>
                  <Group gap={4} wrap="nowrap">
                    <Text size="sm" truncate maw={140}>
                      {me.data.workspace.name}
                    </Text>
                    <IconChevronDown size={14} />
                  </Group>
                </UnstyledButton>
              </Menu.Target>
              <Menu.Dropdown>
                <Menu.Label>{me.data.user.name}</Menu.Label>
                {(me.data.workspaces ?? []).length > 1 && <Menu.Label>{t('nav.switchWorkspace')}</Menu.Label>}
                {(me.data.workspaces ?? [])
                  .filter((w) => w.id !== me.data?.workspace.id)
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
          </Group>
        </Group>
      </AppShell.Header>
      <AppShell.Navbar p="xs" aria-label={t('nav.objects')}>
        <AppShell.Section grow component={ScrollArea}>
          {(objects.data ?? [])
            .filter((o) => !HIDDEN.has(o.key) && me.data?.permissions.objects?.[o.key]?.read !== false)
            .map((o) => (
              <NavLinkLink
                key={o.key}
                to="/o/$object"
                params={{ object: o.key }}
                label={label(o.labels.plural, locale)}
                active={path === `/o/${o.key}` || path.startsWith(`/o/${o.key}/`)}
                onClick={close}
              />
            ))}
          <NavLinkLink
            to="/pipeline"
            label={t('nav.pipeline')}
            leftSection={<IconLayoutKanban size={16} />}
            active={path === '/pipeline'}
            onClick={close}
          />
        </AppShell.Section>
        <AppShell.Section>
          <NavLinkLink
            to="/settings"
            search={{ tab: 'preferences' }}
            label={t('nav.settings')}
            leftSection={<IconSettings size={16} />}
            active={path === '/settings'}
            onClick={close}
          />
          <LanguageSwitch signedIn />
        </AppShell.Section>
      </AppShell.Navbar>
      <AppShell.Main>
        <Outlet />
      </AppShell.Main>
      <SearchSpotlight />
    </AppShell>
  );
}
