import { Alert, Button, Group, Modal, Stack } from '@mantine/core';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ErrorText } from '../../../components/ErrorText.tsx';
import { useAction } from '../../../lib/use-action.ts';
import type { FieldDef } from '../../metadata/utils/metadata.ts';
import { RelationInput } from '../../records/components/RelationInput.tsx';
import type { TestStep } from '../utils/workflow-types.ts';
import { workflowsApi } from '../utils/workflows-api.ts';
import { StepRunDetails } from './StepRunDetails.tsx';

/**
 * Walks the saved draft against one record of the trigger's object (picked as a relation field picks one), with
 * nothing written or sent, and shows what each step would do.
 */
export function TestRunModal({
  workflowId,
  object,
  opened,
  onClose,
}: {
  workflowId: string;
  /** The trigger's object (null for a schedule, which runs on no record). */
  object: string | null;
  opened: boolean;
  onClose: () => void;
}) {
  const { t } = useTranslation();
  const action = useAction();
  const [recordId, setRecordId] = useState<string | null>(null);
  const [result, setResult] = useState<TestStep[] | null>(null);
  // The picker is the record form's relation input, over a field that points at the trigger's object.
  const pick: FieldDef | null = object
    ? {
        key: 'record',
        type: 'relation',
        labels: { en: t('workflow.record') },
        relation: { object, many: false },
        custom: false,
        required: true,
        unique: false,
        searchable: false,
      }
    : null;
  return (
    <Modal opened={opened} onClose={onClose} title={t('workflow.testRun')} size="lg">
      <form
        onSubmit={(e) => {
          e.preventDefault();
          setResult(null);
          void action.run(async () =>
            setResult((await workflowsApi.testRun(workflowId, recordId ?? undefined)).steps),
          );
        }}
      >
        <Stack>
          <Alert variant="light">{t('workflow.testRunHint')}</Alert>
          <Group align="flex-end">
            {pick ? (
              <div style={{ flex: 1 }}>
                <RelationInput
                  field={pick}
                  value={recordId}
                  onChange={(v) => setRecordId(typeof v === 'string' ? v : null)}
                  named={{ label: t('workflow.record') }}
                  dropdown={{ comboboxProps: { withinPortal: false } }}
                  required
                />
              </div>
            ) : null}
            <Button type="submit" loading={action.busy} disabled={Boolean(pick) && !recordId}>
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
