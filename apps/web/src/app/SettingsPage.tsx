import { Stack, Tabs, Title } from '@mantine/core';
import { useNavigate, useSearch } from '@tanstack/react-router';
import { Suspense } from 'react';
import { useTranslation } from 'react-i18next';
import { useDocumentTitle } from '../lib/document-title.ts';
import { useMe } from '../modules/auth/hooks/useMe.ts';
import { webModules } from '../modules/index.ts';

/** Every module's settings tabs, each shown only to a role holding the permission its server routes check. */
export default function SettingsPage() {
  const { t } = useTranslation();
  useDocumentTitle(t('settings.title'));
  const { tab } = useSearch({ from: '/app/settings' });
  const navigate = useNavigate();
  const actions = useMe().data?.permissions.actions ?? [];
  const tabs = webModules
    .flatMap((m) => m.settingsTabs ?? [])
    .filter((s) => s.permission === null || actions.includes(s.permission))
    .sort((a, b) => a.order - b.order);
  return (
    <Stack>
      <Title order={2} size="h3">
        {t('settings.title')}
      </Title>
      <Tabs
        value={tab}
        onChange={(v) => void navigate({ to: '/settings', search: { tab: v ?? 'preferences' } })}
        keepMounted={false}
      >
        <Tabs.List>
          {tabs.map((s) => (
            <Tabs.Tab key={s.value} value={s.value}>
              {t(s.labelKey)}
            </Tabs.Tab>
          ))}
        </Tabs.List>
        {tabs.map((s) => (
          <Tabs.Panel key={s.value} value={s.value} pt="md">
            <Suspense>
              <s.component />
            </Suspense>
          </Tabs.Panel>
        ))}
      </Tabs>
    </Stack>
  );
}
