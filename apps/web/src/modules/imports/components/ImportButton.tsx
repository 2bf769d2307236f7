import { Button } from '@mantine/core';
import { useNavigate } from '@tanstack/react-router';
import { useTranslation } from 'react-i18next';
import type { ListActionProps } from '../../web-module.ts';

/** A list's way into the import wizard, for its object. */
export function ImportButton({ object }: ListActionProps) {
  const { t } = useTranslation();
  const navigate = useNavigate();
  // A module keeps these records itself: nothing is imported into them.
  if (object.keptBy) return null;
  return (
    <Button
      size="xs"
      variant="default"
      onClick={() => void navigate({ to: '/import', search: { object: object.key } })}
    >
      {t('import.action')}
    </Button>
  );
}
