import { ActionIcon, Button, Text, Tooltip } from '@mantine/core';
import { IconPhoneOutgoing } from '@tabler/icons-react';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { dialApi, fallsBackToTel, useDialLines } from '../utils/dial-api.ts';

/**
 * Click-to-call beside a phone number, for holders of `calls.read` with an extension: Rabita asks the phone system
 * to ring their phone and dial the number; when it cannot (409), the browser dials `tel:` from this device.
 */
export function DialButton({ number, label = false }: { number: string; label?: boolean }) {
  const { t } = useTranslation();
  const lines = useDialLines();
  const [state, setState] = useState<'idle' | 'busy' | 'placed' | 'fallback'>('idle');
  const [reason, setReason] = useState('');
  if (!lines.data || lines.data.length === 0) return null;
  const dial = async () => {
    setState('busy');
    try {
      await dialApi.originate(number);
      setState('placed');
    } catch (error) {
      if (!fallsBackToTel(error)) {
        setState('idle');
        setReason((error as Error).message);
        return;
      }
      setReason((error as Error).message);
      setState('fallback');
      window.location.href = `tel:${number}`;
    }
  };
  const name = t('dial.call', { number });
  const status =
    state === 'placed'
      ? t('dial.placed', { number })
      : state === 'fallback'
        ? t('dial.fallback', { reason })
        : state === 'busy'
          ? t('dial.placing')
          : reason;
  return (
    <>
      {label ? (
        <Button
          size="compact-sm"
          variant="light"
          leftSection={<IconPhoneOutgoing size={14} aria-hidden />}
          onClick={dial}
          loading={state === 'busy'}
          aria-label={name}
          data-testid="dial-button"
        >
          {t('dial.callShort')}
        </Button>
      ) : (
        <Tooltip label={name}>
          <ActionIcon
            size="sm"
            variant="subtle"
            onClick={dial}
            loading={state === 'busy'}
            aria-label={name}
            data-testid="dial-button"
          >
            <IconPhoneOutgoing size={14} aria-hidden />
          </ActionIcon>
        </Tooltip>
      )}
      {status && (
        <Text size="xs" c={state === 'idle' ? 'red' : 'dimmed'} role="status" data-testid="dial-status">
          {status}
        </Text>
      )}
    </>
  );
}
