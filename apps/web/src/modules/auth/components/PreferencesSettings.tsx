import { Select, Stack, Text, TextInput } from '@mantine/core';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { call, client } from '../../../api/client.ts';
import { ErrorText } from '../../../components/ErrorText.tsx';
import { Section } from '../../../components/Section.tsx';
import { applyLocale, isLocale, LOCALES } from '../../../i18n/index.ts';
import { CALENDARS, DIGITS, formatDateTime } from '../../../lib/format.ts';
import { useAction } from '../../../lib/use-action.ts';
import { useMe, usePrefs } from '../hooks/useMe.ts';
import { authKeys } from '../utils/auth-keys.ts';

const TIME_ZONES = [
  'UTC',
  'Asia/Tehran',
  'Asia/Riyadh',
  'Asia/Dubai',
  'Africa/Cairo',
  'Asia/Baghdad',
  'Asia/Kuwait',
  'Asia/Qatar',
  'Europe/Istanbul',
  'Europe/London',
  'America/New_York',
];

/** The signed-in person's own name, language, calendar, digits and time zone. */
export default function PreferencesSettings() {
  const { t } = useTranslation();
  const me = useMe().data;
  const prefs = usePrefs();
  const { error, run } = useAction();
  const [name, setName] = useState(me?.user?.name ?? '');
  const patch = (body: Record<string, string>) =>
    run(() => call(client.PATCH('/api/v1/me', { body })), [authKeys.me]);
  return (
    <Section title={t('settings.preferences')}>
      <Stack maw={420}>
        <TextInput
          label={t('auth.name')}
          value={name}
          onChange={(e) => setName(e.currentTarget.value)}
          onBlur={() => name && patch({ name })}
        />
        <Select
          label={t('nav.language')}
          data={LOCALES.map((l) => ({ value: l, label: t(`language.${l}`) }))}
          value={prefs.locale}
          onChange={async (v) => {
            if (!isLocale(v)) return;
            applyLocale(v);
            await patch({ locale: v });
          }}
        />
        <Select
          label={t('settings.calendar')}
          data={CALENDARS.map((c) => ({
            value: c,
            label: t(`calendar.${c}`),
          }))}
          value={prefs.calendar}
          onChange={(v) => v && patch({ calendar: v })}
        />
        <Select
          label={t('settings.digits')}
          data={DIGITS.map((d) => ({ value: d, label: t(`digits.${d}`) }))}
          value={prefs.digits}
          onChange={(v) => v && patch({ digits: v })}
        />
        <Select
          label={t('settings.timeZone')}
          data={[...new Set([prefs.timeZone, ...TIME_ZONES])]}
          value={prefs.timeZone}
          searchable
          onChange={(v) => v && patch({ timeZone: v })}
        />
        <Text size="sm" c="dimmed" data-testid="today">
          {formatDateTime(new Date().toISOString(), prefs)}
        </Text>
        <ErrorText error={error} />
      </Stack>
    </Section>
  );
}
