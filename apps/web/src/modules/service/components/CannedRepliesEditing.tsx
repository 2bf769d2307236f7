import { ActionIcon, Button, Group } from '@mantine/core';
import { IconPencil, IconTrash } from '@tabler/icons-react';
import { useTranslation } from 'react-i18next';
import { ErrorText } from '../../../components/ErrorText.tsx';

/** A listed reply's or macro's edit and delete buttons, named after it for screen readers. */
export function RowActions({
  name,
  onEdit,
  onDelete,
}: {
  name: string;
  onEdit: () => void;
  onDelete: () => void;
}) {
  const { t } = useTranslation();
  return (
    <Group gap={4} wrap="nowrap">
      <ActionIcon variant="subtle" aria-label={t('replies.edit', { name })} onClick={onEdit}>
        <IconPencil size={16} aria-hidden />
      </ActionIcon>
      <ActionIcon variant="subtle" color="red" aria-label={t('replies.delete', { name })} onClick={onDelete}>
        <IconTrash size={16} aria-hidden />
      </ActionIcon>
    </Group>
  );
}

/** The foot of a reply's or macro's form: the server's error, Cancel while editing, and Save or Create. */
export function FormFooter({
  editing,
  error,
  busy,
  disabled,
  createLabel,
  onCancel,
  onSave,
}: {
  editing: boolean;
  error: unknown;
  busy: boolean;
  disabled: boolean;
  createLabel: string;
  onCancel: () => void;
  onSave: () => void;
}) {
  const { t } = useTranslation();
  return (
    <>
      <ErrorText error={error} />
      <Group justify="flex-end">
        {editing && (
          <Button variant="default" onClick={onCancel}>
            {t('record.cancel')}
          </Button>
        )}
        <Button loading={busy} onClick={onSave} disabled={disabled}>
          {editing ? t('replies.save') : createLabel}
        </Button>
      </Group>
    </>
  );
}
