import { Menu, UnstyledButton } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import type { Locale } from '../../../i18n/index.ts';
import { type FieldDef, label } from '../../metadata/utils/metadata.ts';
import { FieldValue } from '../../records/components/FieldValue.tsx';

/**
 * A ticket's status in its row, and the menu that changes it (opened by a click or by `s` on the selected row; the
 * arrows and Enter choose, Escape closes). When the role sees the ticket's first-contact disposition, the menu also
 * offers to resolve saying it (asked, not required: plain "Resolved" stays).
 */
export function InboxStatusMenu({
  field,
  disposition,
  value,
  number,
  opened,
  onOpenedChange,
  onChoose,
}: {
  field: FieldDef;
  /** The ticket's `fcrDisposition` field, when the caller's role sees it. */
  disposition?: FieldDef | undefined;
  value: string;
  number: string;
  opened: boolean;
  onOpenedChange: (opened: boolean) => void;
  onChoose: (status: string, disposition?: string) => void;
}) {
  const { t, i18n } = useTranslation();
  const locale = i18n.language as Locale;
  return (
    <Menu opened={opened} onChange={onOpenedChange} position="bottom-start" withinPortal>
      <Menu.Target>
        <UnstyledButton aria-label={t('inbox.statusMenu', { number })} onClick={(e) => e.stopPropagation()}>
          <FieldValue field={field} value={value} />
        </UnstyledButton>
      </Menu.Target>
      <Menu.Dropdown data-testid="inbox-status-menu">
        <Menu.Label>{t('inbox.statusMenu', { number })}</Menu.Label>
        {(field.options ?? []).map((o) => (
          <Menu.Item key={o.value} disabled={o.value === value} onClick={() => onChoose(o.value)}>
            {label(o.labels, locale)}
          </Menu.Item>
        ))}
        {disposition?.options?.length ? (
          <>
            <Menu.Divider />
            <Menu.Label>{t('fcr.resolveAs')}</Menu.Label>
            {disposition.options.map((o) => (
              <Menu.Item key={o.value} onClick={() => onChoose('resolved', o.value)}>
                {t('fcr.resolvedAs', { disposition: label(o.labels, locale) })}
              </Menu.Item>
            ))}
          </>
        ) : null}
      </Menu.Dropdown>
    </Menu>
  );
}
