import { Button, Modal, Stack, Textarea, TextInput } from '@mantine/core';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ErrorText } from '../../../components/ErrorText.tsx';
import { useAction } from '../../../lib/use-action.ts';
import { workflowKeys } from '../utils/workflow-keys.ts';
import type { Workflow } from '../utils/workflow-types.ts';
import { workflowsApi } from '../utils/workflows-api.ts';

/** A workflow's name and description. */
export function RenameModal({
  workflow,
  onClose,
  onSaved,
}: {
  workflow: Workflow;
  onClose: () => void;
  onSaved: (w: Workflow) => void;
}) {
  const { t } = useTranslation();
  const action = useAction();
  const [name, setName] = useState(workflow.name);
  const [description, setDescription] = useState(workflow.description ?? '');
  return (
    <Modal opened onClose={onClose} title={t('workflow.rename')}>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          void action.run(async () => {
            onSaved(
              await workflowsApi.update(workflow.id, {
                name: name.trim(),
                description: description.trim() || null,
              }),
            );
            onClose();
          }, [workflowKeys.list]);
        }}
      >
        <Stack>
          <TextInput
            label={t('workflow.name')}
            required
            maxLength={200}
            value={name}
            onChange={(e) => setName(e.currentTarget.value)}
          />
          <Textarea
            label={t('workflow.description')}
            value={description}
            onChange={(e) => setDescription(e.currentTarget.value)}
            autosize
            minRows={2}
          />
          <ErrorText error={action.error} />
          <Button type="submit" loading={action.busy} disabled={!name.trim()}>
            {t('workflow.saveName')}
          </Button>
        </Stack>
      </form>
    </Modal>
  );
}
