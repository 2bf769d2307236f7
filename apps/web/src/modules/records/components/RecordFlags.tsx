import { Badge, Group } from '@mantine/core';
import { IconAccessible, IconCoin, IconEarOff, IconStar } from '@tabler/icons-react';
import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import type { RecordData } from '../../../api/client.ts';
import type { Locale } from '../../../i18n/index.ts';
import { label, type ObjectDef } from '../../metadata/utils/metadata.ts';

const FLAG_ICONS: Record<string, ReactNode> = {
  hearing_impaired: <IconEarOff size={14} />,
  wheelchair: <IconAccessible size={14} />,
  vip: <IconStar size={14} />,
  arrears: <IconCoin size={14} />,
};
const FLAG_COLORS: Record<string, string> = {
  hearing_impaired: 'grape',
  wheelchair: 'indigo',
  vip: 'yellow',
  arrears: 'red',
};

/** A record's flags (a person's hearing, wheelchair, VIP, arrears) as badges an agent cannot miss. */
export function RecordFlags({ object, record }: { object: ObjectDef; record: RecordData }) {
  const { i18n } = useTranslation();
  const locale = i18n.language as Locale;
  const flags = Array.isArray(record.flags) ? (record.flags as string[]) : [];
  const flagField = object.fields.find((f) => f.key === 'flags');
  return (
    <Group gap="xs" mt="xs" data-testid="record-flags">
      {flags.map((flag) => (
        <Badge
          key={flag}
          size="lg"
          color={FLAG_COLORS[flag] ?? 'gray'}
          leftSection={FLAG_ICONS[flag]}
          variant="filled"
          autoContrast
        >
          {label(flagField?.options?.find((o) => o.value === flag)?.labels, locale) || flag}
        </Badge>
      ))}
    </Group>
  );
}
