import { Alert } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { ErrorText } from '../../../components/ErrorText.tsx';
import { isPasskeyCancelled } from '../utils/passkeys.ts';

/** What went wrong with a passkey: the browser's dialog closed (or nothing fits), else the server's answer. */
export function PasskeyError({ error }: { error: unknown }) {
  const { t } = useTranslation();
  if (isPasskeyCancelled(error)) {
    return (
      <Alert color="red" role="alert" variant="light">
        {t('auth.passkeyCancelled')}
      </Alert>
    );
  }
  return <ErrorText error={error} />;
}
