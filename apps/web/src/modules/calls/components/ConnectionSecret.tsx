import { Alert, Button, Code, CopyButton, Group, Stack, Text } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { CALL_EVENTS_PATH } from '../utils/connections-api.ts';

/** A key or secret just made: the server keeps it hashed or sealed and never shows it again. */
export interface MadeCredentials {
  id: string;
  name: string;
  apiKey: string | null;
  signingSecret: string | null;
}

function CopyValue({ value, label, testId }: { value: string; label: string; testId: string }) {
  const { t } = useTranslation();
  return (
    <Stack gap={4}>
      <Code block dir="ltr" data-testid={testId}>
        {value}
      </Code>
      <Group>
        <CopyButton value={value}>
          {({ copied, copy }) => (
            <Button size="compact-xs" variant="light" onClick={copy} data-testid={`${testId}-copy`}>
              {copied ? t('phoneSystems.copied') : label}
            </Button>
          )}
        </CopyButton>
      </Group>
    </Stack>
  );
}

/**
 * A connection's new API key or signing secret, shown this once with a copy button, and exactly what the phone
 * system must send: the address of the call-event route and the headers it reads.
 */
export function ConnectionSecret({ made, onDone }: { made: MadeCredentials; onDone: () => void }) {
  const { t } = useTranslation();
  const url = `${window.location.origin}${CALL_EVENTS_PATH}`;
  return (
    <Alert
      color="yellow"
      variant="light"
      title={t('phoneSystems.onceTitle', { name: made.name })}
      // The light yellow's own title colour is too faint to read on it.
      styles={{ title: { color: 'var(--mantine-color-text)' } }}
      data-testid="phone-connection-secret"
    >
      <Stack gap="xs">
        <Text size="sm">{t('phoneSystems.onceHint')}</Text>
        <Text size="xs" fw={500}>
          {t('phoneSystems.address')}
        </Text>
        <Code block dir="ltr" data-testid="phone-connection-url">
          {`POST ${url}\nContent-Type: application/json`}
        </Code>
        {made.apiKey && (
          <>
            <Text size="xs" fw={500}>
              {t('phoneSystems.apiKey')}
            </Text>
            <CopyValue value={made.apiKey} label={t('phoneSystems.copyKey')} testId="phone-connection-key" />
            <Text size="xs">{t('phoneSystems.keyHeader')}</Text>
            <Code block dir="ltr">{`Authorization: Bearer ${made.apiKey}`}</Code>
          </>
        )}
        {made.signingSecret && (
          <>
            <Text size="xs" fw={500}>
              {t('phoneSystems.signingSecret')}
            </Text>
            <CopyValue
              value={made.signingSecret}
              label={t('phoneSystems.copySecret')}
              testId="phone-connection-signing-secret"
            />
            <Text size="xs">{t('phoneSystems.signHeaders')}</Text>
            <Code block dir="ltr">
              {`X-Rabita-Connection: ${made.id}\nX-Rabita-Timestamp: <unix seconds>\nX-Rabita-Signature: sha256=<hex HMAC-SHA256(secret, "<timestamp>.<body>")>`}
            </Code>
          </>
        )}
        <Text size="xs" c="dimmed">
          {t('phoneSystems.bodyHint')}
        </Text>
        <Code block dir="ltr">
          {
            '{"callId": "…", "event": "ringing", "sequence": 1, "at": "2026-01-01T10:00:00Z",\n "from": "+98…", "to": "…", "extension": "100"}'
          }
        </Code>
        <Group>
          <Button size="xs" variant="default" onClick={onDone}>
            {t('phoneSystems.done')}
          </Button>
        </Group>
      </Stack>
    </Alert>
  );
}
