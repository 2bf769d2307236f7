import { Select } from '@mantine/core';
import { useMemo } from 'react';
import { usePrefs } from '../../auth/hooks/useMe.ts';
import { clockFormatter, clockTimes } from '../utils/send-time.ts';

/** A clock time (`HH:MM`) chosen from a day's quarter hours, shown in the user's language and digits. */
export function TimeSelect({
  label,
  value,
  onChange,
  error,
  required,
}: {
  label: string;
  value: string;
  onChange: (value: string) => void;
  error?: string | undefined;
  required?: boolean;
}) {
  const { locale, digits } = usePrefs();
  const data = useMemo(() => {
    const format = clockFormatter({ locale, digits });
    const times = clockTimes(15);
    // A time saved elsewhere off the quarter hours stays choosable.
    if (value && !times.includes(value)) times.push(value);
    return times.sort().map((time) => ({ value: time, label: format(time) }));
  }, [value, locale, digits]);
  return (
    <Select
      label={label}
      data={data}
      value={value}
      onChange={(v) => v && onChange(v)}
      allowDeselect={false}
      searchable
      required={required}
      error={error}
      maxDropdownHeight={240}
    />
  );
}
