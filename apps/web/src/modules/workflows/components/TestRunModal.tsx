import { Alert, Button, Group, Modal, Stack, TextInput } from '@mantine/core';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ErrorText } from '../../../components/ErrorText.tsx';
import { useAction } from '../../../lib/use-action.ts';
import { type TestStep, workflowsApi } from '../utils/workflows-api.ts';
import { StepRunDetails } from './StepRunDetails.tsx';

/** Runs the saved draft against one record with emails and webhooks held back, and shows what each step did. */
export function TestRunModal({
  workflowId,
  opened,
  onClose,
}: {
  workflowId: string;
  opened: boolean;
  onClose: () => void;
}) {
  const { t } = useTranslation();
  const action = useAction();
  const [recordId, setRecordId] = useState('');
  const [result, setResult] = useState<TestStep[] | null>(null);
  return (
    <Modal opened={opened} onClose={onClose} title={t('workflow.testRun')} size="lg">
      <form
        onSubmit={(e) => {
          e.preventDefault();
          setResult(null);
          void action.run(async () =>
            setResult((await workflowsApi.testRun(workflowId, recordId.trim() || undefined)).steps),
          );
        }}
      >
        <Stack>
          <Alert variant="light">{t('workflow.testRunHint')}</Alert>
          <Group align="flex-end">
            <TextInput
              style={{ flex: 1 }}
              label={t('workflow.recordId')}
              value={recordId}
              onChange={(e) => setRecordId(e.currentTarget.value)}
              description={t('workflow.recordIdHint')}
              dir="ltr"
            />
            <Button type="submit" loading={action.busy}>
              {t('workflow.run')}
            </Button>
          </Group>
          <ErrorText error={action.error} />
          {result ? (
            <Stack gap="xs" data-testid="test-run-result">
              <StepRunDetails steps={result} />
            </Stack>
          ) : null}
        </Stack>
      </form>
    </Modal>
  );
}
