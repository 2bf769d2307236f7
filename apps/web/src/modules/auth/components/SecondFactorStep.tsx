import { Anchor, Button, Checkbox, Code, Image, SimpleGrid, Stack, Text, TextInput } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { type FormEvent, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { call, client } from '../../../api/client.ts';
import type { components } from '../../../api/schema.gen.ts';
import { ErrorText } from '../../../components/ErrorText.tsx';
import { str } from '../hooks/useAuthSubmit.ts';
import { passkeySecondStep } from '../utils/passkeys.ts';
import { PasskeyError } from './PasskeyError.tsx';

export type SignInChallenge = components['schemas']['SignInChallenge'];

/** Ten recovery codes, shown once, with a button to go on. */
export function RecoveryCodes({ codes, onDone }: { codes: string[]; onDone?: () => void }) {
  const { t } = useTranslation();
  return (
    <Stack>
      <Text fw={600}>{t('auth.mfaRecoveryCodes')}</Text>
      <Text size="sm">{t('auth.mfaRecoveryHint')}</Text>
      <SimpleGrid cols={2} spacing="xs">
        {codes.map((code) => (
          <Code key={code} dir="ltr">
            {code}
          </Code>
        ))}
      </SimpleGrid>
      {onDone && <Button onClick={onDone}>{t('auth.mfaContinue')}</Button>}
    </Stack>
  );
}

/** The QR code and key of a new authenticator. */
export function TotpQr({ qrCode, secret }: { qrCode: string; secret: string }) {
  const { t } = useTranslation();
  return (
    <Stack gap="xs">
      <Text size="sm">{t('auth.mfaEnrollHint')}</Text>
      <Image src={qrCode} alt="QR" w={200} h={200} />
      <Text size="xs" c="dimmed">
        {t('auth.mfaSecret')}: <Code dir="ltr">{secret}</Code>
      </Text>
    </Stack>
  );
}

/**
 * The step after a right password: a code (or a recovery code, or a passkey) when two-step sign-in is on, or
 * setting it up when the role requires it (a passkey of one's own does too). Calls `onDone` once a session is open.
 */
export function SecondFactorStep({ challenge, onDone }: { challenge: SignInChallenge; onDone: () => void }) {
  const { t } = useTranslation();
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const [recovery, setRecovery] = useState(false);
  const [codes, setCodes] = useState<string[] | null>(null);
  const form = useRef<HTMLFormElement>(null);
  const givePasskey = async () => {
    setBusy(true);
    setError(null);
    try {
      const remember = form.current ? new FormData(form.current).get('remember') === 'on' : false;
      await passkeySecondStep(challenge.challenge, remember);
      onDone();
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  const enrollment = useQuery({
    queryKey: ['auth', 'enroll', challenge.challenge],
    enabled: challenge.step === 'enroll',
    staleTime: Number.POSITIVE_INFINITY,
    queryFn: () =>
      call(client.POST('/api/v1/auth/sign-in/mfa/enroll', { body: { challenge: challenge.challenge } })),
  });
  const submit = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    setBusy(true);
    setError(null);
    try {
      if (challenge.step === 'enroll') {
        const done = await call(
          client.POST('/api/v1/auth/sign-in/mfa/enroll/confirm', {
            body: { challenge: challenge.challenge, code: str(form, 'code') },
          }),
        );
        setCodes(done.recoveryCodes);
      } else {
        await call(
          client.POST('/api/v1/auth/sign-in/mfa', {
            body: {
              challenge: challenge.challenge,
              ...(recovery ? { recoveryCode: str(form, 'recoveryCode') } : { code: str(form, 'code') }),
              rememberDevice: form.get('remember') === 'on',
            },
          }),
        );
        onDone();
      }
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  if (codes) return <RecoveryCodes codes={codes} onDone={onDone} />;
  return (
    <form ref={form} onSubmit={submit}>
      <Stack>
        <Text fw={600}>{t('auth.mfaTitle')}</Text>
        {challenge.step === 'enroll' && (
          <>
            <Text size="sm">{t('auth.mfaRequiredHint')}</Text>
            {enrollment.data && <TotpQr qrCode={enrollment.data.qrCode} secret={enrollment.data.secret} />}
            <ErrorText error={enrollment.error} />
          </>
        )}
        {recovery ? (
          <TextInput
            name="recoveryCode"
            label={t('auth.mfaRecoveryCode')}
            required
            autoComplete="off"
            dir="ltr"
          />
        ) : (
          <TextInput
            name="code"
            label={t('auth.mfaCode')}
            required
            inputMode="numeric"
            autoComplete="one-time-code"
            dir="ltr"
          />
        )}
        {challenge.step === 'code' && (
          <>
            <Checkbox name="remember" label={t('auth.mfaRemember')} />
            <Anchor component="button" type="button" size="sm" onClick={() => setRecovery((r) => !r)}>
              {t('auth.mfaUseRecovery')}
            </Anchor>
          </>
        )}
        <PasskeyError error={error} />
        <Button type="submit" loading={busy}>
          {t('auth.mfaVerify')}
        </Button>
        <Button variant="default" disabled={busy} onClick={() => void givePasskey()}>
          {t('auth.passkeyInstead')}
        </Button>
      </Stack>
    </form>
  );
}
