import { Button, PasswordInput, Stack, TextInput } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { call, client } from '../../../api/client.ts';
import { ErrorText, fieldError } from '../../../components/ErrorText.tsx';
import { AnchorLink } from '../../../components/links.tsx';
import { str, useAuthSubmit } from '../hooks/useAuthSubmit.ts';
import { AuthFrame } from './AuthFrame.tsx';
import { SecondFactorStep } from './SecondFactorStep.tsx';

export function SignUpPage() {
  const { t, i18n } = useTranslation();
  const { error, busy, onSubmit, challenge, finish } = useAuthSubmit((f) =>
    call(
      client.POST('/api/v1/auth/sign-up', {
        body: {
          name: str(f, 'name'),
          email: str(f, 'email'),
          password: str(f, 'password'),
          workspaceName: str(f, 'workspaceName'),
          locale: i18n.language as 'en' | 'ar' | 'fa',
        },
      }),
    ),
  );
  if (challenge) {
    return (
      <AuthFrame title={t('auth.signUp')}>
        <SecondFactorStep challenge={challenge} onDone={() => void finish()} />
      </AuthFrame>
    );
  }
  return (
    <AuthFrame title={t('auth.signUp')}>
      <form onSubmit={onSubmit}>
        <Stack>
          <TextInput name="name" label={t('auth.name')} required error={fieldError(error, 'name')} />
          <TextInput
            name="email"
            type="email"
            label={t('auth.email')}
            required
            error={fieldError(error, 'email')}
          />
          <PasswordInput
            visibilityToggleButtonProps={{ 'aria-label': t('auth.showPassword') }}
            name="password"
            label={t('auth.password')}
            description={t('auth.passwordHint')}
            required
            autoComplete="new-password"
            error={fieldError(error, 'password')}
          />
          <TextInput name="workspaceName" label={t('auth.workspaceName')} required />
          <ErrorText error={error} />
          <Button type="submit" loading={busy}>
            {t('auth.signUp')}
          </Button>
          <AnchorLink to="/sign-in" size="sm">
            {t('auth.haveAccount')}
          </AnchorLink>
        </Stack>
      </form>
    </AuthFrame>
  );
}
