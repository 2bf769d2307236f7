import { Button, PasswordInput, Stack, Text } from '@mantine/core';
import { type FormEvent, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { call, client } from '../../../api/client.ts';
import { ErrorText, fieldError } from '../../../components/ErrorText.tsx';
import { Section } from '../../../components/Section.tsx';
import { useAction } from '../../../lib/use-action.ts';
import { str } from '../hooks/useAuthSubmit.ts';

/** Changing one's password: the current one, then a new one the policy accepts; other sessions end. */
export function ChangePassword() {
  const { t } = useTranslation();
  const { error, busy, run } = useAction();
  const [done, setDone] = useState(false);
  const submit = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const form = event.currentTarget;
    const data = new FormData(form);
    setDone(false);
    const ok = await run(() =>
      call(
        client.POST('/api/v1/me/password', {
          body: { currentPassword: str(data, 'currentPassword'), newPassword: str(data, 'newPassword') },
        }),
      ),
    );
    if (ok) {
      form.reset();
      setDone(true);
    }
  };
  return (
    <Section title={t('auth.changePassword')}>
      <form onSubmit={submit}>
        <Stack maw={360}>
          <PasswordInput
            visibilityToggleButtonProps={{ 'aria-label': t('auth.showPassword') }}
            name="currentPassword"
            label={t('auth.currentPassword')}
            required
            autoComplete="current-password"
            error={fieldError(error, 'currentPassword')}
          />
          <PasswordInput
            visibilityToggleButtonProps={{ 'aria-label': t('auth.showPassword') }}
            name="newPassword"
            label={t('auth.newPassword')}
            description={t('auth.passwordHint')}
            required
            autoComplete="new-password"
            error={fieldError(error, 'newPassword')}
          />
          {done && <Text size="sm">{t('auth.passwordChanged')}</Text>}
          {!fieldError(error, 'currentPassword') && !fieldError(error, 'newPassword') && (
            <ErrorText error={error} />
          )}
          <Button type="submit" loading={busy} w="fit-content">
            {t('auth.changePassword')}
          </Button>
        </Stack>
      </form>
    </Section>
  );
}
