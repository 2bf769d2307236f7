import { Button, Group, Select, Stack, Text, TextInput } from '@mantine/core';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { call, client } from '../../../api/client.ts';
import { ErrorText } from '../../../components/ErrorText.tsx';
import { Section } from '../../../components/Section.tsx';
import { isLocale, LOCALES, type Locale } from '../../../i18n/index.ts';
import { useAction } from '../../../lib/use-action.ts';
import { useMe } from '../../auth/hooks/useMe.ts';
import { authKeys } from '../../auth/utils/auth-keys.ts';

/** The workspace's name and the defaults its records are read in: country, currency, language. */
export default function WorkspaceSettings() {
  const { t } = useTranslation();
  const me = useMe().data;
  const { error, busy, run } = useAction();
  const [form, setForm] = useState(() => ({
    name: me?.workspace.name ?? '',
    defaultCountry: me?.workspace.defaultCountry ?? '',
    defaultCurrency: me?.workspace.defaultCurrency ?? '',
    defaultLocale: (isLocale(me?.workspace.defaultLocale) ? me.workspace.defaultLocale : 'en') as Locale,
  }));
  const [saved, setSaved] = useState(false);
  return (
    <Section title={t('settings.workspace')}>
      <Stack maw={420}>
        <TextInput
          label={t('settings.wsName')}
          value={form.name}
          onChange={(e) => setForm({ ...form, name: e.currentTarget.value })}
        />
        <TextInput
          label={t('settings.country')}
          value={form.defaultCountry}
          maxLength={2}
          onChange={(e) => setForm({ ...form, defaultCountry: e.currentTarget.value.toUpperCase() })}
        />
        <TextInput
          label={t('settings.currency')}
          value={form.defaultCurrency}
          maxLength={3}
          onChange={(e) => setForm({ ...form, defaultCurrency: e.currentTarget.value.toUpperCase() })}
        />
        <Select
          label={t('settings.defaultLanguage')}
          data={LOCALES.map((l) => ({ value: l, label: t(`language.${l}`) }))}
          value={form.defaultLocale}
          onChange={(v) => isLocale(v) && setForm({ ...form, defaultLocale: v })}
        />
        <ErrorText error={error} />
        <Group>
          <Button
            loading={busy}
            onClick={async () =>
              setSaved(
                await run(() => call(client.PATCH('/api/v1/workspace', { body: form })), [authKeys.me]),
              )
            }
          >
            {t('record.save')}
          </Button>
          {saved && <Text size="sm">{t('settings.saved')}</Text>}
        </Group>
      </Stack>
    </Section>
  );
}
