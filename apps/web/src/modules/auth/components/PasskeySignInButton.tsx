import { Button, Stack } from '@mantine/core';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { signInWithPasskey } from '../utils/passkeys.ts';
import { PasskeyError } from './PasskeyError.tsx';

/** "Sign in with a passkey": no email asked; the browser offers this site's passkeys. */
export function PasskeySignInButton({ onDone }: { onDone: () => void }) {
  const { t } = useTranslation();
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const start = async () => {
    setBusy(true);
    setError(null);
    try {
      await signInWithPasskey();
      onDone();
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  return (
    <Stack gap="xs">
      <Button variant="default" loading={busy} onClick={() => void start()}>
        {t('auth.passkeySignIn')}
      </Button>
      <PasskeyError error={error} />
    </Stack>
  );
}
