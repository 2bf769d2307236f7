import { TextInput } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { formatNumber } from '../../../lib/format.ts';
import { usePrefs } from '../../auth/hooks/useMe.ts';
import { MAX_CAPACITY, parseCapacity } from '../utils/capacity.ts';

/**
 * A limit of open leads as text, so it shows and takes the reader's digits (۱۲ as well as 12); blank means no limit
 * of its own. `value` is the text as typed; `parseCapacity` reads it.
 */
export function CapacityInput({
  label,
  value,
  onChange,
  placeholder,
  onCommit,
}: {
  label: string;
  value: string;
  onChange: (text: string) => void;
  placeholder: string;
  /** Called when the field is left or Enter is pressed (a list that saves each member as they go). */
  onCommit?: (() => void) | undefined;
}) {
  const { t } = useTranslation();
  const prefs = usePrefs();
  const bad = parseCapacity(value) === undefined;
  return (
    <TextInput
      label={label}
      inputMode="numeric"
      value={value}
      placeholder={placeholder}
      onChange={(e) => onChange(e.currentTarget.value)}
      onBlur={() => onCommit?.()}
      onKeyDown={(e) => {
        if (e.key === 'Enter') onCommit?.();
      }}
      error={bad ? t('leads.badCapacity', { max: formatNumber(MAX_CAPACITY, prefs) }) : undefined}
    />
  );
}
