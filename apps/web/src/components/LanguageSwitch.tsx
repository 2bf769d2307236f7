import { SegmentedControl } from '@mantine/core';
import { useQueryClient } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { client } from '../api/client.ts';
import { applyLocale, LOCALES, type Locale } from '../i18n/index.ts';
import { authKeys } from '../modules/auth/utils/auth-keys.ts';

/** en / ar / fa; saved to the user's preferences when signed in. */
export function LanguageSwitch({ signedIn }: { signedIn: boolean }) {
  const { t, i18n } = useTranslation();
  const qc = useQueryClient();
  return (
    <SegmentedControl
      size="xs"
      aria-label={t('nav.language')}
      value={i18n.language}
      data={LOCALES.map((l) => ({ value: l, label: t(`language.${l}`) }))}
      onChange={async (value) => {
        applyLocale(value as Locale);
        if (signedIn) {
          await client.PATCH('/api/v1/me', { body: { locale: value as Locale } });
          await qc.invalidateQueries({ queryKey: authKeys.me });
        }
      }}
    />
  );
}
