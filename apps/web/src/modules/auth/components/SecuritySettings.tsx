import { Button, Group, MultiSelect, Stack, Text, TextInput } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { call, client } from '../../../api/client.ts';
import type { components } from '../../../api/schema.gen.ts';
import { ErrorText } from '../../../components/ErrorText.tsx';
import { Section } from '../../../components/Section.tsx';
import { useAction } from '../../../lib/use-action.ts';
import { useRoleChoices } from '../../roles/hooks/useRoles.ts';
import { useCan } from '../hooks/useMe.ts';
import { authKeys } from '../utils/auth-keys.ts';
import { ChangePassword } from './ChangePassword.tsx';
import { PasskeysSettings } from './PasskeysSettings.tsx';
import { RecoveryCodes, TotpQr } from './SecondFactorStep.tsx';

type Enrollment = components['schemas']['TotpEnrollment'];

/**
 * One's own two-step sign-in (set up with a QR code, recovery codes, turn off), passkeys and password, and, for
 * admins, the roles that must use two-step sign-in.
 */
export default function SecuritySettings() {
  const { t } = useTranslation();
  const status = useQuery({
    queryKey: authKeys.mfa,
    queryFn: () => call(client.GET('/api/v1/me/mfa')),
  });
  const { error, run } = useAction();
  const [enrollment, setEnrollment] = useState<Enrollment | null>(null);
  const [codes, setCodes] = useState<string[] | null>(null);
  const [code, setCode] = useState('');
  const on = status.data?.totp ?? false;
  return (
    <Stack>
      <Section title={t('auth.mfaTitle')}>
        <Stack>
          <Text>{on ? t('auth.mfaOn') : t('auth.mfaOff')}</Text>
          {on && (
            <Text size="sm">{t('auth.mfaCodesLeft', { count: status.data?.recoveryCodesLeft ?? 0 })}</Text>
          )}
          {codes && <RecoveryCodes codes={codes} />}
          {!on && !enrollment && (
            <Button
              w="fit-content"
              onClick={() => run(async () => setEnrollment(await call(client.POST('/api/v1/me/mfa/totp'))))}
            >
              {t('auth.mfaSetUp')}
            </Button>
          )}
          {!on && enrollment && <TotpQr qrCode={enrollment.qrCode} secret={enrollment.secret} />}
          {(on || enrollment) && (
            <Group align="end">
              <TextInput
                label={t('auth.mfaCode')}
                value={code}
                onChange={(e) => setCode(e.currentTarget.value)}
                inputMode="numeric"
                autoComplete="one-time-code"
                dir="ltr"
              />
              {!on && (
                <Button
                  onClick={() =>
                    run(async () => {
                      const done = await call(client.POST('/api/v1/me/mfa/totp/confirm', { body: { code } }));
                      setCodes(done.recoveryCodes);
                      setEnrollment(null);
                      setCode('');
                    }, [authKeys.mfa])
                  }
                >
                  {t('auth.mfaVerify')}
                </Button>
              )}
              {on && (
                <>
                  <Button
                    variant="default"
                    onClick={() =>
                      run(async () => {
                        const done = await call(
                          client.POST('/api/v1/me/mfa/recovery-codes', { body: { code } }),
                        );
                        setCodes(done.recoveryCodes);
                        setCode('');
                      }, [authKeys.mfa])
                    }
                  >
                    {t('auth.mfaNewCodes')}
                  </Button>
                  <Button
                    color="red"
                    variant="subtle"
                    disabled={status.data?.requiredByRole}
                    onClick={() =>
                      run(async () => {
                        await call(client.POST('/api/v1/me/mfa/disable', { body: { code } }));
                        setCodes(null);
                        setCode('');
                      }, [authKeys.mfa])
                    }
                  >
                    {t('auth.mfaDisable')}
                  </Button>
                </>
              )}
            </Group>
          )}
          <ErrorText error={error} />
        </Stack>
      </Section>
      <PasskeysSettings />
      <ChangePassword />
      {useCan('roles.manage') && <MfaPolicy />}
    </Stack>
  );
}

/** The roles whose members must use two-step sign-in (admins). */
function MfaPolicy() {
  const { t } = useTranslation();
  const roleChoices = useRoleChoices();
  const policy = useQuery({
    queryKey: authKeys.mfaPolicy,
    queryFn: () => call(client.GET('/api/v1/workspace/mfa-policy')),
  });
  const [roles, setRoles] = useState<string[] | null>(null);
  const { error, run } = useAction();
  const value = roles ?? policy.data?.requiredRoles ?? [];
  return (
    <Section title={t('auth.mfaPolicy')}>
      <Stack>
        <MultiSelect data={roleChoices} value={value} onChange={setRoles} aria-label={t('auth.mfaPolicy')} />
        <Button
          w="fit-content"
          onClick={() =>
            run(
              () => call(client.PUT('/api/v1/workspace/mfa-policy', { body: { requiredRoles: value } })),
              [authKeys.mfaPolicy],
            )
          }
        >
          {t('auth.save')}
        </Button>
        <ErrorText error={error} />
      </Stack>
    </Section>
  );
}
