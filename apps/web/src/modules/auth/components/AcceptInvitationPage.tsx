import { Button, PasswordInput, Stack, Text, TextInput } from '@mantine/core';
import { useSearch } from '@tanstack/react-router';
import { useTranslation } from 'react-i18next';
import { ApiError, call, client } from '../../../api/client.ts';
import { ErrorText, fieldError } from '../../../components/ErrorText.tsx';
import { AnchorLink } from '../../../components/links.tsx';
import { str, useAuthSubmit } from '../hooks/useAuthSubmit.ts';
import { useMe } from '../hooks/useMe.ts';
import { AuthFrame } from './AuthFrame.tsx';
import { SecondFactorStep } from './SecondFactorStep.tsx';

/**
 * Joining a workspace from an invitation link. Signed in, one button accepts as oneself (the server checks the
 * invitation is for this account). Signed out, a new person chooses a name and password; an invited email that
 * already has an account is asked to sign in first — accepting never checks a password.
 */
export function AcceptInvitationPage() {
  const { t } = useTranslation();
  const { token } = useSearch({ from: '/accept-invitation' });
  const me = useMe().data;
  const { error, busy, onSubmit, challenge, finish } = useAuthSubmit((f) =>
    call(
      client.POST('/api/v1/auth/accept-invitation', {
        body: me ? { token } : { token, name: str(f, 'name'), password: str(f, 'password') },
      }),
    ),
  );
  const signInFirst = error instanceof ApiError && error.code === 'invitation_sign_in_required';
  if (challenge) {
    return (
      <AuthFrame title={t('auth.acceptInvitation')}>
        <SecondFactorStep challenge={challenge} onDone={() => void finish()} />
      </AuthFrame>
    );
  }
  return (
    <AuthFrame title={t('auth.acceptInvitation')}>
      <form onSubmit={onSubmit}>
        <Stack>
          {me?.user ? (
            <Text size="sm">{t('auth.acceptAs', { email: me.user.email })}</Text>
          ) : (
            <>
              <Text size="sm">{t('auth.invitationHint')}</Text>
              <TextInput name="name" label={t('auth.name')} required error={fieldError(error, 'name')} />
              <PasswordInput
                visibilityToggleButtonProps={{ 'aria-label': t('auth.showPassword') }}
                name="password"
                label={t('auth.password')}
                description={t('auth.passwordHint')}
                required
                autoComplete="new-password"
                error={fieldError(error, 'password')}
              />
            </>
          )}
          {signInFirst ? (
            <AnchorLink to="/sign-in" search={{ invitation: token }} size="sm">
              {t('auth.invitationSignInFirst')}
            </AnchorLink>
          ) : (
            <ErrorText error={error} />
          )}
          <Button type="submit" loading={busy}>
            {t('auth.acceptInvitation')}
          </Button>
          {!me && !signInFirst && (
            <AnchorLink to="/sign-in" search={{ invitation: token }} size="sm">
              {t('auth.haveAccount')}
            </AnchorLink>
          )}
        </Stack>
      </form>
    </AuthFrame>
  );
}
