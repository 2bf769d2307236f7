import { Button, Combobox, Group, Loader, Text, useCombobox } from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { IconMessageBolt } from '@tabler/icons-react';
import { keepPreviousData, useMutation, useQuery } from '@tanstack/react-query';
import { useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ErrorText } from '../../../components/ErrorText.tsx';
import { type ReplyLanguage, repliesApi, repliesKeys } from '../utils/replies-api.ts';

/**
 * The composer's "Canned reply" button: a searchable list of the replies the agent may use (by name, shortcut or
 * folder; arrows and Enter choose, Escape closes). The chosen reply is rendered by the server for the ticket, in its
 * language, and handed to `onInsert`. Each new `slash.count` opens it from the composer (a `/` typed at the start of
 * a line); `slash.at` says a `/` is waiting to be replaced by the reply.
 */
export function CannedReplyPicker({
  ticketId,
  slash,
  onSlashDone,
  onInsert,
}: {
  ticketId: string;
  /**
   * The `/`s typed at the start of a line so far (each one opens the list, so a `/` typed again reopens a list that
   * did not open or was closed), and whether one is waiting for the reply to take its place.
   */
  slash: { count: number; waiting: boolean };
  onSlashDone: () => void;
  onInsert: (text: string, language: ReplyLanguage, fromSlash: boolean) => void;
}) {
  const { t } = useTranslation();
  const [search, setSearch] = useState('');
  const [opened, setOpened] = useState(false);
  const [debounced] = useDebouncedValue(search.trim(), 200);
  const combobox = useCombobox({
    opened,
    onOpenedChange: setOpened,
    onDropdownOpen: () => combobox.focusSearchInput(),
    onDropdownClose: () => {
      combobox.resetSelectedOption();
      setSearch('');
      onSlashDone();
    },
  });
  const replies = useQuery({
    queryKey: repliesKeys.search(debounced),
    queryFn: () => repliesApi.search(debounced),
    enabled: opened,
    placeholderData: keepPreviousData,
  });
  const render = useMutation({
    mutationFn: (id: string) => repliesApi.render(id, ticketId),
    onSuccess: (rendered) => {
      onInsert(rendered.body, rendered.language, slash.waiting);
      combobox.closeDropdown();
    },
  });

  // The store's functions, read when a `/` or an answer arrives (not effects' triggers themselves).
  const store = useRef(combobox);
  store.current = combobox;
  useEffect(() => {
    if (slash.count === 0) return;
    setSearch('');
    store.current.openDropdown();
  }, [slash.count]);
  // Keys go to the search box once the list is open, however it was opened (a `/` leaves the focus in the composer).
  useEffect(() => {
    if (opened) store.current.focusSearchInput();
  }, [opened]);
  // The best match is the one Enter takes.
  useEffect(() => {
    if (opened && replies.data) store.current.selectFirstOption();
  }, [opened, replies.data]);

  const items = replies.data ?? [];
  return (
    <>
      <Combobox store={combobox} width={340} position="top-start" onOptionSubmit={(id) => render.mutate(id)}>
        <Combobox.Target withAriaAttributes={false}>
          <Button
            variant="default"
            size="sm"
            leftSection={<IconMessageBolt size={14} aria-hidden />}
            loading={render.isPending}
            onClick={() => combobox.toggleDropdown()}
            data-testid="canned-reply-button"
          >
            {t('replies.pick')}
          </Button>
        </Combobox.Target>
        <Combobox.Dropdown>
          <Combobox.Search
            value={search}
            onChange={(e) => setSearch(e.currentTarget.value)}
            placeholder={t('replies.searchPlaceholder')}
            aria-label={t('replies.search')}
            dir="auto"
            rightSection={replies.isFetching ? <Loader size="xs" /> : null}
          />
          <Combobox.Options mah={280} style={{ overflowY: 'auto' }} aria-label={t('replies.pick')}>
            {items.length === 0 && !replies.isFetching ? (
              <Combobox.Empty>{debounced ? t('replies.noMatch') : t('replies.none')}</Combobox.Empty>
            ) : (
              items.map((r) => (
                <Combobox.Option value={r.id} key={r.id} data-testid="canned-reply-option">
                  <Group justify="space-between" wrap="nowrap" gap="xs">
                    <Text size="sm" dir="auto" truncate>
                      {r.name}
                    </Text>
                    {r.shortcut && (
                      <Text size="xs" c="dimmed" dir="ltr">
                        /{r.shortcut}
                      </Text>
                    )}
                  </Group>
                  {(r.folder || !r.shared) && (
                    <Text size="xs" c="dimmed" dir="auto">
                      {[r.folder, r.shared ? null : t('replies.personal')].filter(Boolean).join(' · ')}
                    </Text>
                  )}
                </Combobox.Option>
              ))
            )}
          </Combobox.Options>
        </Combobox.Dropdown>
      </Combobox>
      <ErrorText error={render.error ?? replies.error} />
    </>
  );
}
