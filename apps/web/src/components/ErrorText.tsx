import { Alert } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { ApiError } from '../api/client.ts';

/** Shows what went wrong: the API's own sentence, or a generic one. */
export function ErrorText({ error }: { error: unknown }) {
  const { t } = useTranslation();
  if (!error) return null;
  const message =
    error instanceof ApiError
      ? error.message
      : error instanceof TypeError
        ? t('error.network')
        : t('error.generic');
  return (
    <Alert color="red" role="alert" variant="light">
      {message}
    </Alert>
  );
}

/** The API's problem for one field, e.g. `body.email`, to show under that input. */
export function fieldError(error: unknown, field: string): string | undefined {
  if (!(error instanceof ApiError)) return undefined;
  return error.errors.find((e) => e.field === field || e.field.endsWith(`.${field}`))?.message;
}
