import { Group, Switch, Table, Text } from '@mantine/core';
import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { formatDateTime } from '../../../lib/format.ts';
import { usePrefs } from '../../auth/hooks/useMe.ts';
import type { Mailbox } from '../utils/email-types.ts';

/** A module's setting for one shared mailbox: whether its mail is taken in, and from when. */
export interface IntakeSetting {
  enabled: boolean;
  since: string;
}

interface Props<S extends IntakeSetting> {
  /** The workspace's mailboxes (only shared ones are listed). */
  mailboxes: readonly Mailbox[];
  /** The module's settings by mailbox id. */
  settings: ReadonlyMap<string, S>;
  testId: string;
  /** Column headings: the switch's, and the module's own column's. */
  headings: { takes: string; extra: string };
  /** The switch's accessible name for a mailbox ("Mail to … opens tickets"). */
  switchLabel(address: string): string;
  busy: boolean;
  onToggle(mailbox: Mailbox, on: boolean): void;
  /** Badges beside the mailbox's address (a warning the module has for it). */
  badges?(mailbox: Mailbox, setting: S | undefined): ReactNode;
  /** The module's own column (a queue, a lead source). */
  extra(mailbox: Mailbox, setting: S | undefined, on: boolean): ReactNode;
}

/**
 * The shared mailboxes a module takes mail in from (the service desk's tickets, sales' leads): each with a switch
 * (saying since when it is on) and the module's own column. Nothing when there is no shared mailbox.
 */
export function MailIntakeTable<S extends IntakeSetting>(props: Props<S>) {
  const { t } = useTranslation();
  const prefs = usePrefs();
  // The mailbox heading and "since" are the ticket email card's words, which say the same for every intake.
  const shared = props.mailboxes.filter((m) => m.kind === 'shared');
  if (shared.length === 0) return null;
  return (
    <Table withTableBorder verticalSpacing="xs" data-testid={props.testId}>
      <Table.Thead>
        <Table.Tr>
          <Table.Th>{t('ticketMail.mailbox')}</Table.Th>
          <Table.Th>{props.headings.takes}</Table.Th>
          <Table.Th>{props.headings.extra}</Table.Th>
        </Table.Tr>
      </Table.Thead>
      <Table.Tbody>
        {shared.map((m) => {
          const setting = props.settings.get(m.id);
          const on = setting?.enabled === true;
          return (
            <Table.Tr key={m.id} data-address={m.address}>
              <Table.Td>
                <Text size="sm" fw={600} dir="auto">
                  {m.name}
                </Text>
                <Group gap={6}>
                  <Text size="xs" c="dimmed">
                    <bdi>{m.address}</bdi>
                  </Text>
                  {props.badges?.(m, setting)}
                </Group>
              </Table.Td>
              <Table.Td>
                <Switch
                  checked={on}
                  disabled={props.busy}
                  aria-label={props.switchLabel(m.address)}
                  onChange={(e) => props.onToggle(m, e.currentTarget.checked)}
                  description={
                    on && setting
                      ? t('ticketMail.since', { at: formatDateTime(setting.since, prefs) })
                      : undefined
                  }
                />
              </Table.Td>
              <Table.Td>{props.extra(m, setting, on)}</Table.Td>
            </Table.Tr>
          );
        })}
      </Table.Tbody>
    </Table>
  );
}
