import { Button, Center, Paper, PasswordInput, Stack, Text, TextInput, Title } from '@mantine/core';
import { useQueryClient } from '@tanstack/react-query';
import { useNavigate, useSearch } from '@tanstack/react-router';
import { type FormEvent, type ReactNode, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { call, client } from '../api/client.ts';
import { ErrorText, fieldError } from '../components/ErrorText.tsx';
import { LanguageSwitch } from '../components/LanguageSwitch.tsx';
import { AnchorLink } from '../components/links.tsx';
import { useDocumentTitle } from '../lib/document-title.ts';

function Frame({ title, children }: { title: string; children: ReactNode }) {
  const { t } = useTranslation();
  useDocumentTitle(title);
  return (
    <Center mih="100vh" p="md" component="main">
      <Paper withBorder shadow="sm" p="xl" radius="md" w="100%" maw={420}>
        <Stack>
          <LanguageSwitch signedIn={false} />
          <div>
            <Title order={1} size="h2">
              {t('app.name')}
            </Title>
            <Text c="dimmed" size="sm">
              {t('app.tagline')}
            </Text>
          </div>
          <Title order={2} size="h4">
            {title}
          </Title>
          {children}
        </Stack>
      </Paper>
    </Center>
  );
}

function useAuthSubmit(run: (form: FormData) => Promise<unknown>) {
  const qc = useQueryClient();
  const navigate = useNavigate();
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const onSubmit = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await run(new FormData(event.currentTarget));
      await qc.invalidateQueries({ queryKey: ['me'] });
      await navigate({ to: '/' });
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  return { error, busy, onSubmit };
}

const str = (form: FormData, key: string) => String(form.get(key) ?? '');

export function SignInPage() {
  const { t } = useTranslation();
  const { error, busy, onSubmit } = useAuthSubmit((f) =>
    call(
      client.POST('/api/v1/auth/sign-in', { body: { email: str(f, 'email'), password: str(f, 'password') } }),
    ),
  );
  return (
    <Frame title={t('auth.signIn')}>
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
          <AnchorLink to="/sign-up" size="sm">
            {t('auth.noAccount')}
          </AnchorLink>
        </Stack>
      </form>
    </Frame>
  );
}

export function SignUpPage() {
  const { t, i18n } = useTranslation();
  const { error, busy, onSubmit } = useAuthSubmit((f) =>
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
  return (
    <Frame title={t('auth.signUp')}>
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
    </Frame>
  );
}

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
    <Frame title={t('auth.acceptInvitation')}>
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
    </Frame>
  );
}
