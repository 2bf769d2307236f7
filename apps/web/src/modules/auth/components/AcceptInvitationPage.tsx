import { Button, PasswordInput, Stack, Text, TextInput } from '@mantine/core';
import { useSearch } from '@tanstack/react-router';
import { useTranslation } from 'react-i18next';
import { call, client } from '../../../api/client.ts';
import { ErrorText } from '../../../components/ErrorText.tsx';
import { str, useAuthSubmit } from '../hooks/useAuthSubmit.ts';
import { AuthFrame } from './AuthFrame.tsx';

export function AcceptInvitationPage() {
  const { t } = useTranslation();
  const { token } = useSearch({ from: '/accept-invitation' });
  const { error, busy, onSubmit } = useAuthSubmit((f) =>
    call(
      client.POST('/api/v1/auth/accept-invitation', {
        body: { token, name: str(f, 'name'), password: str(f, 'password') },
      }),
    ),
  );
  return (
    <AuthFrame title={t('auth.acceptInvitation')}>
      <form onSubmit={onSubmit}>
        <Stack>
          <Text size="sm">{t('auth.invitationHint')}</Text>
          <TextInput name="name" label={t('auth.name')} required />
          <PasswordInput
            visibilityToggleButtonProps={{ 'aria-label': t('auth.showPassword') }}
            name="password"
            label={t('auth.password')}
            description={t('auth.passwordHint')}
            required
          />
          <ErrorText error={error} />
          <Button type="submit" loading={busy}>
            {t('auth.acceptInvitation')}
          </Button>
        </Stack>
      </form>
    </AuthFrame>
  );
}
