import { Alert, Button, Group, Menu, SegmentedControl, Stack, Text, Textarea } from '@mantine/core';
import { getHotkeyHandler } from '@mantine/hooks';
import { IconChevronDown, IconSend } from '@tabler/icons-react';
import { useMutation } from '@tanstack/react-query';
import { useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ErrorText, fieldError } from '../../../components/ErrorText.tsx';
import type { Locale } from '../../../i18n/index.ts';
import { OWN_DIRECTION } from '../../email/utils/bidi.ts';
import { useObject } from '../../metadata/hooks/useObjects.ts';
import { label } from '../../metadata/utils/metadata.ts';
import { useComposerInserts } from '../hooks/composer-insert.ts';
import { directionOf, type ReplyLanguage } from '../utils/replies-api.ts';
import {
  type MessageKind,
  type NewTicketMessage,
  serviceApi,
  type TicketMessage,
} from '../utils/service-api.ts';
import { CannedReplyPicker } from './CannedRepliesPicker.tsx';

/** The statuses a message may set as it goes: waiting on someone, paused, or done. */
const SEND_AND_SET: readonly NonNullable<NewTicketMessage['status']>[] = [
  'pending_customer',
  'pending_third_party',
  'on_hold',
  'resolved',
];

/** A `/` typed at the start of a line opens the canned replies. */
const SLASH_AT_LINE_START = /(?:^|\n)\/$/;

/** Text added at the end of what is written, on a line of its own. */
const appended = (body: string, text: string) => (body.trim() === '' ? text : `${body.trimEnd()}\n\n${text}`);

/**
 * Writes to a ticket's conversation: a public reply, an internal note, or the customer's own words taken down (a
 * phone call). Ctrl/Cmd+Enter sends; "Send and set status" sends and moves the ticket in one step. What was typed
 * stays until the server has taken it, so an error loses nothing. A canned reply (the button, or `/` at the start
 * of a line) comes rendered for the ticket, and the text then takes the reply's direction.
 */
export function TicketComposer({
  ticketId,
  onSent,
}: {
  ticketId: string;
  onSent: (message: TicketMessage) => Promise<void> | void;
}) {
  const { t, i18n } = useTranslation();
  const locale = i18n.language as Locale;
  const tickets = useObject('tickets');
  const statusField = tickets?.fields.find((f) => f.key === 'status');
  const statusLabel = (value: string) =>
    label(statusField?.options?.find((o) => o.value === value)?.labels, locale) || value;
  const [kind, setKind] = useState<MessageKind>('reply');
  const [body, setBody] = useState('');
  // The direction of the canned reply put in last (Persian and Arabic right to left); none: each line its own.
  const [dir, setDir] = useState<'rtl' | 'ltr' | undefined>(undefined);
  // Where a `/` that opened the canned replies was typed, so the chosen reply takes its place.
  const [slashAt, setSlashAt] = useState<number | null>(null);
  // How many such `/`s were typed: each one opens the list, even when the last one's list never opened.
  const [slashes, setSlashes] = useState(0);
  // Mantine puts a Textarea's `dir` on the element around it: the textarea itself gets it here, so its caret, empty
  // lines and screen readers follow the reply's language.
  const textarea = useRef<HTMLTextAreaElement>(null);
  useEffect(() => {
    if (dir) textarea.current?.setAttribute('dir', dir);
    else textarea.current?.removeAttribute('dir');
  }, [dir]);
  // Text put in from elsewhere on the page (an article, a canned reply) goes at the end, on a line of its own.
  useComposerInserts(ticketId, (text) => setBody((b) => appended(b, text)));
  const insertReply = (text: string, language: ReplyLanguage, fromSlash: boolean) => {
    setDir(directionOf(language));
    setBody((b) =>
      fromSlash && slashAt !== null && b[slashAt] === '/'
        ? `${b.slice(0, slashAt)}${text}${b.slice(slashAt + 1)}`
        : appended(b, text),
    );
    setSlashAt(null);
  };
  const send = useMutation({
    mutationFn: (status: NewTicketMessage['status']) =>
      serviceApi.addMessage(ticketId, { kind, body, ...(status ? { status } : {}) }),
    onSuccess: async (message) => {
      setBody('');
      setDir(undefined);
      await onSent(message);
    },
  });
  const empty = body.trim() === '';
  // The server's word on the text itself (too long, a character it refuses) rather than on the request.
  const bodyProblem = fieldError(send.error, 'body');
  const submit = (status?: NewTicketMessage['status']) => {
    if (!empty && !send.isPending) send.mutate(status);
  };
  const kinds: { value: MessageKind; label: string }[] = [
    { value: 'reply', label: t('service.kind.reply') },
    { value: 'note', label: t('service.kind.note') },
    { value: 'customer', label: t('service.kind.customer') },
  ];
  return (
    <Stack gap="xs" data-testid="ticket-composer">
      <SegmentedControl
        size="xs"
        value={kind}
        onChange={(v) => setKind(v as MessageKind)}
        data={kinds}
        aria-label={t('service.kindLabel')}
        data-testid="ticket-kind"
        style={{ alignSelf: 'flex-start' }}
      />
      <Textarea
        label={t(`service.bodyLabel.${kind}`)}
        description={t(`service.kindHint.${kind}`)}
        value={body}
        onChange={(e) => {
          const { value, selectionStart } = e.currentTarget;
          setBody(value);
          if (value.trim() === '') setDir(undefined);
          if (value.length > body.length && SLASH_AT_LINE_START.test(value.slice(0, selectionStart))) {
            setSlashAt(selectionStart - 1);
            setSlashes((n) => n + 1);
          }
        }}
        onKeyDown={getHotkeyHandler([['mod+Enter', () => submit()]])}
        autosize
        minRows={3}
        maxRows={14}
        ref={textarea}
        styles={{
          ...OWN_DIRECTION,
          input: {
            ...OWN_DIRECTION.input,
            ...(dir ? { direction: dir } : {}),
            background: kind === 'note' ? 'var(--mantine-color-yellow-light)' : undefined,
          },
        }}
        error={Boolean(bodyProblem)}
        data-testid="ticket-composer-body"
      />
      <Group justify="space-between" wrap="wrap" gap="xs">
        <Group gap="xs">
          <CannedReplyPicker
            ticketId={ticketId}
            slash={{ count: slashes, waiting: slashAt !== null }}
            onSlashDone={() => setSlashAt(null)}
            onInsert={insertReply}
          />
          <Text size="xs" c="dimmed">
            {t('service.shortcut')} {t('replies.slashHint')}
          </Text>
        </Group>
        <Group gap="xs">
          <Menu position="top-end">
            <Menu.Target>
              <Button
                variant="default"
                size="sm"
                rightSection={<IconChevronDown size={14} aria-hidden />}
                disabled={empty || send.isPending}
              >
                {t('service.sendAndSet')}
              </Button>
            </Menu.Target>
            <Menu.Dropdown>
              {SEND_AND_SET.map((status) => (
                <Menu.Item key={status} onClick={() => submit(status)}>
                  {statusLabel(status)}
                </Menu.Item>
              ))}
            </Menu.Dropdown>
          </Menu>
          <Button
            size="sm"
            leftSection={<IconSend size={14} aria-hidden />}
            loading={send.isPending}
            disabled={empty}
            onClick={() => submit()}
          >
            {t('service.send')}
          </Button>
        </Group>
      </Group>
      {bodyProblem ? (
        <Alert color="red" role="alert" variant="light">
          {bodyProblem}
        </Alert>
      ) : (
        <ErrorText error={send.error} />
      )}
    </Stack>
  );
}
