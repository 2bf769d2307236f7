import { Button, Group, Modal, Stack, Text } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { ErrorText } from './ErrorText.tsx';

/** A settings screen's "delete this?" dialog: what goes, Cancel, and Delete (closing only when the delete worked). */
export function ConfirmDelete({
  opened,
  onClose,
  title,
  hint,
  error,
  busy,
  onDelete,
}: {
  opened: boolean;
  onClose: () => void;
  title: string;
  hint: string;
  error: unknown;
  busy: boolean;
  /** Deletes; true when it worked. */
  onDelete: () => Promise<boolean>;
}) {
  const { t } = useTranslation();
  return (
    <Modal opened={opened} onClose={onClose} title={title}>
      <Stack>
        <Text size="sm">{hint}</Text>
        <ErrorText error={error} />
        <Group justify="flex-end">
          <Button variant="default" onClick={onClose}>
            {t('record.cancel')}
          </Button>
          <Button
            color="red"
            loading={busy}
            onClick={async () => {
              if (await onDelete()) onClose();
            }}
          >
            {t('record.delete')}
          </Button>
        </Group>
      </Stack>
    </Modal>
  );
}
