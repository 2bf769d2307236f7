import {
  ActionIcon,
  Box,
  Button,
  Card,
  Checkbox,
  Group,
  Menu,
  Modal,
  SegmentedControl,
  Select,
  Skeleton,
  Stack,
  Text,
  Title,
  UnstyledButton,
} from '@mantine/core';
import { useMediaQuery } from '@mantine/hooks';
import { IconArrowDown, IconArrowUp, IconColumns, IconPlus, IconTrash } from '@tabler/icons-react';
import { useQueryClient } from '@tanstack/react-query';
import { useNavigate, useParams } from '@tanstack/react-router';
import { type CSSProperties, useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { client } from '../../../api/client.ts';
import { ErrorText } from '../../../components/ErrorText.tsx';
import { AnchorLink } from '../../../components/links.tsx';
import type { Locale } from '../../../i18n/index.ts';
import { useDocumentTitle } from '../../../lib/document-title.ts';
import { formatNumber } from '../../../lib/format.ts';
import { usePrefs } from '../../auth/hooks/useMe.ts';
import { webModules } from '../../index.ts';
import { useObject } from '../../metadata/hooks/useObjects.ts';
import { type FieldDef, label, plainText, titleOf, visibleFields } from '../../metadata/utils/metadata.ts';
import { ViewsMenu } from '../../views/components/ViewsMenu.tsx';
import { useListRows } from '../hooks/useListRows.ts';
import { useViewState } from '../hooks/useViewState.ts';
import { toFilterTree } from '../utils/filter.ts';
import { recordKeys } from '../utils/record-keys.ts';
import { BulkEdit } from './BulkEdit.tsx';
import { FieldValue } from './FieldValue.tsx';
import { FilterBuilder } from './FilterBuilder.tsx';
import { InlineCell } from './InlineCell.tsx';
import { RecordForm } from './RecordForm.tsx';
import { SelectBoard } from './SelectBoard.tsx';

const ROW_HEIGHT = 40;
const MIN_WIDTH = 80;
/** Field types whose value is an id, never shown as text. */
const ID_TYPES = new Set(['relation', 'user']);
const MAX_WIDTH = 800;

const listActions = webModules.flatMap((m) => m.listActions ?? []).sort((a, b) => a.order - b.order);

/** An object's records: a virtualised table (cards on a phone) or a board, with its view, filter and columns. */
export default function ListPage() {
  const { object: objectKey } = useParams({ from: '/app/o/$object' });
  const object = useObject(objectKey);
  const { t, i18n } = useTranslation();
  const locale = i18n.language as Locale;
  const navigate = useNavigate();
  const qc = useQueryClient();
  const phone = useMediaQuery('(max-width: 600px)');
  const prefs = usePrefs();
  const [view, setView] = useViewState(object);
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const [creating, setCreating] = useState(false);
  const [bulkEditing, setBulkEditing] = useState(false);
  // A module keeps these records (NPS surveys): the list reads them, nothing creates, edits or deletes them.
  const kept = Boolean(object?.keptBy);
  const filterTree = view ? toFilterTree(view.filter) : undefined;
  const filterParam = filterTree ? JSON.stringify(filterTree) : undefined;
  const scrollRef = useRef<HTMLDivElement>(null);
  // Relation and user columns come with their titles, so no cell fetches its record's name on its own.
  const expand = (view?.columns ?? []).filter((k) =>
    object?.fields.some((f) => f.key === k && ID_TYPES.has(f.type)),
  );
  const list = useListRows({
    object: objectKey,
    sort: view?.sort ?? null,
    filter: filterTree,
    enabled: Boolean(object && view),
    scrollRef,
    rowHeight: phone ? 96 : ROW_HEIGHT,
    expand,
  });
  const { virtualizer, items } = list;
  useEffect(() => setSelected(new Set()), [objectKey]);

  useDocumentTitle(object ? label(object.labels.plural, locale) : undefined);
  if (!object || !view) return null;
  const selectFields = visibleFields(object).filter(
    (f) => f.type === 'select' && (f.options ?? []).length > 0,
  );
  const boardField = selectFields.find((f) => f.key === view.board);
  const columns = view.columns
    .map((k) => object.fields.find((f) => f.key === k))
    .filter((f): f is FieldDef => Boolean(f));
  const width = (f: FieldDef) => view.widths[f.key] ?? 180;
  const toggleSort = (key: string) =>
    setView({ sort: view.sort === key ? `-${key}` : view.sort === `-${key}` ? null : key });
  const deleteSelected = async () => {
    if (
      !window.confirm(
        t('list.confirmDelete', { count: selected.size, n: formatNumber(selected.size, prefs) }),
      )
    )
      return;
    for (const id of selected)
      await client.DELETE('/api/v1/objects/{object}/{id}', { params: { path: { object: objectKey, id } } });
    setSelected(new Set());
    await qc.invalidateQueries({ queryKey: recordKeys.lists(objectKey) });
  };
  const cellStyle = (f: FieldDef): CSSProperties => ({
    width: width(f),
    minWidth: width(f),
    maxWidth: width(f),
    paddingInline: 8,
  });
  const resize = (f: FieldDef, to: number) =>
    setView({ widths: { ...view.widths, [f.key]: Math.min(MAX_WIDTH, Math.max(MIN_WIDTH, to)) } });
  const startResize = (f: FieldDef, e: React.PointerEvent) => {
    const start = e.clientX;
    const initial = width(f);
    const dir = document.documentElement.dir === 'rtl' ? -1 : 1;
    const move = (ev: PointerEvent) => resize(f, initial + dir * (ev.clientX - start));
    const up = () => {
      window.removeEventListener('pointermove', move);
      window.removeEventListener('pointerup', up);
    };
    window.addEventListener('pointermove', move);
    window.addEventListener('pointerup', up);
  };
  const moveColumn = (key: string, by: -1 | 1) => {
    const cols = [...view.columns];
    const i = cols.indexOf(key);
    const j = i + by;
    if (i < 0 || j < 0 || j >= cols.length) return;
    [cols[i], cols[j]] = [cols[j]!, cols[i]!];
    setView({ columns: cols });
  };

  return (
    <Stack gap="sm" h="calc(100vh - 56px - 2 * var(--mantine-spacing-md))">
      <Group justify="space-between" wrap="wrap" gap="xs">
        <Group gap="xs" align="baseline">
          <Title order={2} size="h3">
            {label(object.labels.plural, locale)}
          </Title>
          {list.count !== undefined && (
            <Text size="sm" c="dimmed" data-testid="record-count">
              {list.count === 0
                ? t('list.count', { total: formatNumber(0, prefs) })
                : t(list.exact ? 'list.range' : 'list.rangeAbout', {
                    from: formatNumber(Math.min(list.first + 1, list.count), prefs),
                    to: formatNumber(Math.min(list.last + 1, list.count), prefs),
                    total: formatNumber(list.count, prefs),
                  })}
            </Text>
          )}
        </Group>
        <Group gap="xs" wrap="wrap">
          {selectFields.length > 0 && (
            <SegmentedControl
              size="xs"
              value={view.board ? 'board' : 'table'}
              onChange={(mode) =>
                setView({ board: mode === 'board' ? (view.board ?? selectFields[0]!.key) : null })
              }
              data={[
                { value: 'table', label: t('list.table') },
                { value: 'board', label: t('list.kanban') },
              ]}
            />
          )}
          {view.board && (
            <Select
              size="xs"
              aria-label={t('list.groupBy')}
              data={selectFields.map((f) => ({ value: f.key, label: label(f.labels, locale) }))}
              value={view.board}
              onChange={(v) => v && setView({ board: v })}
              w={150}
            />
          )}
          <ViewsMenu object={objectKey} state={view} onApply={(saved) => setView(saved)} />
          <FilterBuilder object={object} value={view.filter} onChange={(filter) => setView({ filter })} />
          <Menu closeOnItemClick={false} position="bottom-end">
            <Menu.Target>
              <Button size="xs" variant="default" leftSection={<IconColumns size={14} />}>
                {t('list.columns')}
              </Button>
            </Menu.Target>
            <Menu.Dropdown mah={400} style={{ overflowY: 'auto' }}>
              {visibleFields(object).map((f) => (
                <Menu.Item key={f.key} component="div">
                  <Group gap={4} wrap="nowrap" justify="space-between">
                    <Checkbox
                      size="xs"
                      label={label(f.labels, locale)}
                      checked={view.columns.includes(f.key)}
                      onChange={(e) =>
                        setView({
                          columns: e.currentTarget.checked
                            ? [...view.columns, f.key]
                            : view.columns.filter((c) => c !== f.key),
                        })
                      }
                    />
                    {view.columns.includes(f.key) && (
                      <Group gap={0} wrap="nowrap">
                        <ActionIcon
                          size="xs"
                          variant="subtle"
                          aria-label={`${label(f.labels, locale)} ↑`}
                          onClick={() => moveColumn(f.key, -1)}
                        >
                          <IconArrowUp size={12} />
                        </ActionIcon>
                        <ActionIcon
                          size="xs"
                          variant="subtle"
                          aria-label={`${label(f.labels, locale)} ↓`}
                          onClick={() => moveColumn(f.key, 1)}
                        >
                          <IconArrowDown size={12} />
                        </ActionIcon>
                      </Group>
                    )}
                  </Group>
                </Menu.Item>
              ))}
            </Menu.Dropdown>
          </Menu>
          {listActions.map((action, n) => (
            <action.component
              key={n}
              object={object}
              columns={view.columns}
              filter={filterParam}
              selected={selected}
            />
          ))}
          {selected.size > 0 && !kept && (
            <Button size="xs" variant="light" onClick={() => setBulkEditing(true)}>
              {t('list.bulkEdit')}
            </Button>
          )}
          {selected.size > 0 && !kept && (
            <Button
              size="xs"
              color="red"
              variant="light"
              leftSection={<IconTrash size={14} />}
              onClick={deleteSelected}
            >
              {t('list.deleteSelected')} (
              {t('list.selected', { count: selected.size, n: formatNumber(selected.size, prefs) })})
            </Button>
          )}
          {!kept && (
            <Button size="xs" leftSection={<IconPlus size={14} />} onClick={() => setCreating(true)}>
              {t('list.new')}
            </Button>
          )}
        </Group>
      </Group>
      <ErrorText error={list.error} />
      {boardField && <SelectBoard object={object} field={boardField} filter={filterParam} />}
      <Box
        hidden={Boolean(boardField)}
        ref={scrollRef}
        style={{
          flex: 1,
          overflow: 'auto',
          border: '1px solid var(--mantine-color-default-border)',
          borderRadius: 4,
        }}
        data-testid="record-list"
      >
        {!phone && (
          <div
            style={{
              display: 'flex',
              position: 'sticky',
              top: 0,
              zIndex: 1,
              background: 'var(--mantine-color-body)',
              borderBottom: '1px solid var(--mantine-color-default-border)',
              height: ROW_HEIGHT,
              alignItems: 'center',
              minWidth: 'max-content',
            }}
          >
            <div style={{ width: 40, paddingInline: 8 }}>
              <Checkbox
                size="xs"
                aria-label={t('list.selectAll')}
                checked={list.loaded.length > 0 && selected.size === list.loaded.length}
                onChange={(e) =>
                  setSelected(e.currentTarget.checked ? new Set(list.loaded.map((r) => r.id)) : new Set())
                }
              />
            </div>
            {columns.map((f) => (
              <div
                key={f.key}
                style={{ ...cellStyle(f), position: 'relative', display: 'flex', alignItems: 'center' }}
              >
                <UnstyledButton
                  onClick={() => toggleSort(f.key)}
                  aria-label={`${label(f.labels, locale)}: ${t('list.sortAsc')}`}
                >
                  <Text size="sm" fw={600} truncate>
                    {label(f.labels, locale)}
                    {view.sort === f.key ? ' ↑' : view.sort === `-${f.key}` ? ' ↓' : ''}
                  </Text>
                </UnstyledButton>
                {/* biome-ignore lint/a11y/useSemanticElements: a column splitter has no native element; this is the ARIA splitter pattern */}
                <div
                  role="separator"
                  aria-orientation="vertical"
                  aria-label={`${label(f.labels, locale)}: ${t('list.columnWidth')}`}
                  aria-valuenow={width(f)}
                  aria-valuemin={MIN_WIDTH}
                  aria-valuemax={MAX_WIDTH}
                  tabIndex={0}
                  onPointerDown={(e) => startResize(f, e)}
                  onKeyDown={(e) => {
                    // Arrows toward the column's end widen it: right in English, left in Arabic and Persian.
                    const rtl = document.documentElement.dir === 'rtl';
                    const step = { ArrowRight: rtl ? -20 : 20, ArrowLeft: rtl ? 20 : -20 }[e.key];
                    if (!step) return;
                    e.preventDefault();
                    resize(f, width(f) + step);
                  }}
                  style={{
                    position: 'absolute',
                    insetInlineEnd: 0,
                    top: 6,
                    bottom: 6,
                    width: 6,
                    cursor: 'col-resize',
                    borderInlineEnd: '2px solid var(--mantine-color-default-border)',
                  }}
                />
              </div>
            ))}
          </div>
        )}
        {list.total === 0 && !list.isLoading && (
          <Text p="md" c="dimmed">
            {t('list.empty')}
          </Text>
        )}
        <div
          style={{
            height: virtualizer.getTotalSize(),
            position: 'relative',
            minWidth: phone ? undefined : 'max-content',
          }}
        >
          {items.map((item) => {
            const record = list.rowAt(item.index);
            const style: CSSProperties = {
              position: 'absolute',
              top: 0,
              insetInlineStart: 0,
              width: '100%',
              transform: `translateY(${item.start}px)`,
            };
            if (!record)
              return (
                <div
                  key={`pending-${item.index}`}
                  style={{ ...style, height: phone ? 88 : ROW_HEIGHT, display: 'flex', alignItems: 'center' }}
                  data-testid="record-row-pending"
                >
                  <Skeleton height={12} mx="sm" radius="xl" />
                </div>
              );
            const title = titleOf(object, record, locale);
            if (phone)
              return (
                <Card
                  key={record.id}
                  withBorder
                  padding="sm"
                  style={{ ...style, height: 88 }}
                  data-testid="record-card"
                  data-index={item.index}
                >
                  <AnchorLink to="/o/$object/$id" params={{ object: objectKey, id: record.id }} fw={600}>
                    {title}
                  </AnchorLink>
                  {columns.slice(1, 3).map((f) => (
                    <Group key={f.key} gap={4} wrap="nowrap">
                      <Text size="xs" c="dimmed">
                        {label(f.labels, locale)}:
                      </Text>
                      <FieldValue field={f} value={record[f.key]} record={{ objectKey, id: record.id }} />
                    </Group>
                  ))}
                </Card>
              );
            return (
              <div
                key={record.id}
                style={{
                  ...style,
                  display: 'flex',
                  alignItems: 'center',
                  height: ROW_HEIGHT,
                  borderBottom: '1px solid var(--mantine-color-default-border)',
                }}
                data-testid="record-row"
                data-index={item.index}
              >
                <div style={{ width: 40, paddingInline: 8 }}>
                  <Checkbox
                    size="xs"
                    aria-label={`${t('list.selectRow')} ${title}`}
                    checked={selected.has(record.id)}
                    onChange={(e) => {
                      const next = new Set(selected);
                      if (e.currentTarget.checked) next.add(record.id);
                      else next.delete(record.id);
                      setSelected(next);
                    }}
                  />
                </div>
                {columns.map((f, i) => (
                  <div key={f.key} style={cellStyle(f)}>
                    {i === 0 ? (
                      <AnchorLink
                        to="/o/$object/$id"
                        params={{ object: objectKey, id: record.id }}
                        size="sm"
                        fw={500}
                        style={{
                          display: 'block',
                          overflow: 'hidden',
                          textOverflow: 'ellipsis',
                          whiteSpace: 'nowrap',
                        }}
                      >
                        {/* The link reads as the record: its title, unless the first column holds a readable value. */}
                        {f.key === object.titleFields[0] || record[f.key] == null || ID_TYPES.has(f.type)
                          ? title
                          : plainText(f, record[f.key], locale)}
                      </AnchorLink>
                    ) : (
                      <InlineCell object={object} field={f} record={record} />
                    )}
                  </div>
                ))}
              </div>
            );
          })}
        </div>
        {list.isFetching && (
          <Text size="sm" p="xs" c="dimmed">
            {t('list.loadMore')}
          </Text>
        )}
      </Box>
      {bulkEditing && (
        <BulkEdit
          object={object}
          ids={[...selected]}
          opened
          onClose={() => setBulkEditing(false)}
          onDone={async () => {
            setBulkEditing(false);
            setSelected(new Set());
            await qc.invalidateQueries({ queryKey: recordKeys.lists(objectKey) });
          }}
        />
      )}
      <Modal
        opened={creating}
        onClose={() => setCreating(false)}
        title={t('record.newRecord', { object: label(object.labels.singular, locale) })}
        size="xl"
      >
        <RecordForm
          object={object}
          onCancel={() => setCreating(false)}
          onSaved={async (r) => {
            setCreating(false);
            await qc.invalidateQueries({ queryKey: recordKeys.lists(objectKey) });
            await navigate({ to: '/o/$object/$id', params: { object: objectKey, id: r.id } });
          }}
        />
      </Modal>
    </Stack>
  );
}
