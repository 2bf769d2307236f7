import { Alert, Button, Code, CopyButton, Stack, Text } from '@mantine/core';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ErrorText } from '../../../components/ErrorText.tsx';
import { useAction } from '../../../lib/use-action.ts';
import { workflowsApi } from '../utils/workflows-api.ts';

/**
 * An inbound webhook trigger's address and secret: a new secret is shown once, when made (the server keeps it
 * sealed and never shows it again), with how a sender signs its calls.
 */
export function HookSecret({ workflowId }: { workflowId: string }) {
  const { t } = useTranslation();
  const action = useAction();
  const [made, setMade] = useState<{ secret: string; path: string } | null>(null);
  return (
    <Stack gap="xs">
      <Text size="sm">{t('workflow.hookHint')}</Text>
      {made ? (
        <Alert color="yellow" variant="light" title={t('workflow.hookSecretOnce')}>
          <Stack gap={6}>
            <Text size="xs">{t('workflow.hookAddress')}</Text>
            <Code block dir="ltr" data-testid="hook-address">
              {`${window.location.origin}${made.path}`}
            </Code>
            <Text size="xs">{t('workflow.hookSecret')}</Text>
            <Code block dir="ltr" data-testid="hook-secret">
              {made.secret}
            </Code>
            <CopyButton value={made.secret}>
              {({ copied, copy }) => (
                <Button size="compact-xs" variant="light" onClick={copy}>
                  {copied ? t('workflow.hookCopied') : t('workflow.copySecret')}
                </Button>
              )}
            </CopyButton>
          </Stack>
        </Alert>
      ) : null}
      <Text size="xs" c="dimmed">
        {t('workflow.hookSigning')}
      </Text>
      <Code block dir="ltr">
        {'X-Rabita-Timestamp: <unix seconds>\nX-Rabita-Signature: sha256=HMAC(secret, "<timestamp>.<body>")'}
      </Code>
      <Button
        size="xs"
        variant="default"
        loading={action.busy}
        onClick={() => void action.run(async () => setMade(await workflowsApi.hookSecret(workflowId)))}
      >
        {t('workflow.makeHookSecret')}
      </Button>
      <ErrorText error={action.error} />
    </Stack>
  );
}
