import { Button, Menu } from '@mantine/core';
import { IconDownload } from '@tabler/icons-react';
import { useTranslation } from 'react-i18next';
import { formatNumber } from '../../../lib/format.ts';
import { usePrefs } from '../../auth/hooks/useMe.ts';
import type { ListActionProps } from '../../web-module.ts';

/** The selection travels as an id filter in the export's URL, which holds about 500 ids. */
const MAX_EXPORT_SELECTED = 500;

/** A list's export: everything its filter keeps, or the selected rows, as CSV or Excel, in the list's columns. */
export function ExportMenu({ object, columns, filter, selected }: ListActionProps) {
  const { t } = useTranslation();
  const prefs = usePrefs();
  const exportUrl = (format: 'csv' | 'xlsx', only?: ReadonlySet<string>) => {
    const tree = only ? JSON.stringify({ field: 'id', op: 'in', value: [...only] }) : filter;
    return `/api/v1/objects/${object.key}/export?format=${format}${tree ? `&filter=${encodeURIComponent(tree)}` : ''}&fields=${encodeURIComponent(columns.join(','))}`;
  };
  const exportableSelection = selected.size > 0 && selected.size <= MAX_EXPORT_SELECTED;
  return (
    <Menu position="bottom-end">
      <Menu.Target>
        <Button size="xs" variant="default" leftSection={<IconDownload size={14} />}>
          {t('list.export')}
        </Button>
      </Menu.Target>
      <Menu.Dropdown>
        <Menu.Item component="a" href={exportUrl('csv')}>
          {t('list.export')}
        </Menu.Item>
        <Menu.Item component="a" href={exportUrl('xlsx')}>
          {t('list.exportXlsx')}
        </Menu.Item>
        {selected.size > 0 && (
          <>
            <Menu.Divider />
            <Menu.Label>
              {exportableSelection
                ? t('list.selected', { count: selected.size, n: formatNumber(selected.size, prefs) })
                : t('list.exportSelectionTooLarge', { max: MAX_EXPORT_SELECTED })}
            </Menu.Label>
            <Menu.Item
              component="a"
              href={exportUrl('csv', selected)}
              disabled={!exportableSelection}
              data-testid="export-selected"
            >
              {t('list.exportSelected')}
            </Menu.Item>
            <Menu.Item component="a" href={exportUrl('xlsx', selected)} disabled={!exportableSelection}>
              {t('list.exportSelectedXlsx')}
            </Menu.Item>
          </>
        )}
      </Menu.Dropdown>
    </Menu>
  );
}
