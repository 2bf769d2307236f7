import { Button, Group } from '@mantine/core';

/** A dialog form's closing row: Cancel, then the submit button (busy while the form is being sent). */
export function FormButtons({
  onCancel,
  cancelLabel,
  submitLabel,
  loading,
}: {
  onCancel: () => void;
  cancelLabel: string;
  submitLabel: string;
  loading: boolean;
}) {
  return (
    <Group justify="flex-end">
      <Button variant="default" onClick={onCancel}>
        {cancelLabel}
      </Button>
      <Button type="submit" loading={loading}>
        {submitLabel}
      </Button>
    </Group>
  );
}
