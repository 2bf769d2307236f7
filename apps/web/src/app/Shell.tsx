import { AppShell, Burger, Group, ScrollArea, Title } from '@mantine/core';
import { useDisclosure } from '@mantine/hooks';
import { IconSettings } from '@tabler/icons-react';
import { Navigate, Outlet, useRouterState } from '@tanstack/react-router';
import { useTranslation } from 'react-i18next';
import { LanguageSwitch } from '../components/LanguageSwitch.tsx';
import { NavLinkLink } from '../components/links.tsx';
import { useMe } from '../modules/auth/hooks/useMe.ts';
import { webModules } from '../modules/index.ts';
import { useLiveEvents } from './live.ts';

const header = webModules.flatMap((m) => m.header ?? []).sort((a, b) => a.order - b.order);
const nav = webModules.flatMap((m) => m.nav ?? []).sort((a, b) => a.order - b.order);

/** The frame around every signed-in screen: the header and the sidebar, both filled by the web modules. */
export function Shell() {
  const { t } = useTranslation();
  const me = useMe();
  const [opened, { toggle, close }] = useDisclosure();
  const path = useRouterState({ select: (s) => s.location.pathname });
  useLiveEvents(Boolean(me.data));
  if (me.isLoading) return null;
  if (!me.data) return <Navigate to="/sign-in" />;
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
            {header.map((entry, i) => (
              <entry.component key={i} />
            ))}
          </Group>
        </Group>
      </AppShell.Header>
      <AppShell.Navbar p="xs" aria-label={t('nav.objects')}>
        <AppShell.Section grow component={ScrollArea}>
          {nav
            .filter((entry) => entry.area === 'main')
            .map((entry, i) => (
              <entry.component key={i} onNavigate={close} />
            ))}
        </AppShell.Section>
        <AppShell.Section>
          {nav
            .filter((entry) => entry.area === 'footer')
            .map((entry, i) => (
              <entry.component key={i} onNavigate={close} />
            ))}
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
    </AppShell>
  );
}
