import { Button, Divider, PasswordInput, Stack, TextInput } from '@mantine/core';
import { useSearch } from '@tanstack/react-router';
import { useTranslation } from 'react-i18next';
import { call, client } from '../../../api/client.ts';
import { ErrorText } from '../../../components/ErrorText.tsx';
import { AnchorLink } from '../../../components/links.tsx';
import { str, useAuthSubmit } from '../hooks/useAuthSubmit.ts';
import { AuthFrame } from './AuthFrame.tsx';
import { PasskeySignInButton } from './PasskeySignInButton.tsx';
import { SecondFactorStep } from './SecondFactorStep.tsx';

export function SignInPage() {
  const { t } = useTranslation();
  const { invitation } = useSearch({ from: '/sign-in' });
  const { error, busy, onSubmit, challenge, finish } = useAuthSubmit(
    (f) =>
      call(
        client.POST('/api/v1/auth/sign-in', {
          body: { email: str(f, 'email'), password: str(f, 'password') },
        }),
      ),
    { invitation },
  );
  if (challenge) {
    return (
      <AuthFrame title={t('auth.signIn')}>
        <SecondFactorStep challenge={challenge} onDone={() => void finish()} />
      </AuthFrame>
    );
  }
  return (
    <AuthFrame title={t('auth.signIn')}>
      <form onSubmit={onSubmit}>
        <Stack>
          <TextInput name="email" type="email" label={t('auth.email')} required autoComplete="email" />
          <PasswordInput
            visibilityToggleButtonProps={{ 'aria-label': t('auth.showPassword') }}
            name="password"
            label={t('auth.password')}
            required
            autoComplete="current-password"
          />
          <ErrorText error={error} />
          <Button type="submit" loading={busy}>
            {t('auth.signIn')}
          </Button>
          <Divider />
          <PasskeySignInButton onDone={() => void finish()} />
          <AnchorLink to="/sign-up" size="sm">
            {t('auth.noAccount')}
          </AnchorLink>
        </Stack>
      </form>
    </AuthFrame>
  );
}
