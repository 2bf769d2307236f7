import { Table, Text } from '@mantine/core';
import { forwardRef } from 'react';
import { AnchorLink } from '../../../components/links.tsx';
import { formatNumber } from '../../../lib/format.ts';
import { usePrefs } from '../../auth/hooks/useMe.ts';
import type { ObjectDef } from '../../metadata/utils/metadata.ts';
import { FieldValue } from '../../records/components/FieldValue.tsx';
import type { InboxTicket } from '../utils/inbox-api.ts';
import { InboxStatusMenu } from './InboxStatusMenu.tsx';
import { InboxTimeLeft } from './InboxTimeLeft.tsx';

/** One ticket of the inbox: selected rows are marked for the keyboard (j/k) and for assistive technology. */
export const InboxRow = forwardRef<
  HTMLTableRowElement,
  {
    ticket: InboxTicket;
    object: ObjectDef;
    selected: boolean;
    now: number;
    statusOpen: boolean;
    onStatusOpen: (opened: boolean) => void;
    onStatus: (status: string, disposition?: string) => void;
    onSelect: () => void;
    onOpen: () => void;
  }
>(function InboxRow(
  { ticket, object, selected, now, statusOpen, onStatusOpen, onStatus, onSelect, onOpen },
  ref,
) {
  const prefs = usePrefs();
  const field = (key: string) => object.fields.find((f) => f.key === key);
  const cell = (key: string) => {
    const f = field(key);
    return f ? <FieldValue field={f} value={ticket[key]} expanded={ticket._expanded?.[key]} /> : null;
  };
  const status = field('status');
  const number = formatNumber(ticket.number as number, prefs);
  return (
    <Table.Tr
      ref={ref}
      aria-selected={selected}
      data-testid="inbox-row"
      data-ticket-id={ticket.id}
      onClick={onSelect}
      onDoubleClick={onOpen}
      style={{
        cursor: 'pointer',
        // A faint tint: links keep their contrast on it.
        background: selected ? 'var(--mantine-color-gray-0)' : undefined,
      }}
    >
      {/* A bar at the row's start (right in Arabic and Persian) marks the selection. */}
      <Table.Td
        style={{
          borderInlineStart: `4px solid ${selected ? 'var(--mantine-primary-color-filled)' : 'transparent'}`,
        }}
      >
        <Text size="sm">#{number}</Text>
      </Table.Td>
      <Table.Td>
        <AnchorLink
          to="/o/$object/$id"
          params={{ object: 'tickets', id: ticket.id }}
          size="sm"
          fw={500}
          // The text's own colour: readable on the selected row's tint too (a link colour on it was too faint).
          c="var(--mantine-color-text)"
          dir="auto"
          lineClamp={1}
        >
          {String(ticket.subject ?? '')}
        </AnchorLink>
      </Table.Td>
      <Table.Td>{cell('requester')}</Table.Td>
      <Table.Td>
        {status ? (
          <InboxStatusMenu
            field={status}
            disposition={field('fcrDisposition')}
            value={String(ticket.status)}
            number={number}
            opened={statusOpen}
            onOpenedChange={onStatusOpen}
            onChoose={onStatus}
          />
        ) : null}
      </Table.Td>
      <Table.Td>{cell('priority')}</Table.Td>
      <Table.Td>{cell('owner')}</Table.Td>
      <Table.Td>
        <InboxTimeLeft
          dueAt={(ticket.slaDueAt as string | null) ?? null}
          slaStatus={(ticket.slaStatus as string | null) ?? null}
          now={now}
        />
      </Table.Td>
    </Table.Tr>
  );
});
