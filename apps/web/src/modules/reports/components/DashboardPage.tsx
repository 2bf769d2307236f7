import { ActionIcon, Button, Group, Loader, Menu, Stack, Text, TextInput, Title } from '@mantine/core';
import { IconDots, IconPencil, IconPlus, IconPrinter, IconTrash } from '@tabler/icons-react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useNavigate, useParams } from '@tanstack/react-router';
import { useCallback, useEffect, useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { call, client } from '../../../api/client.ts';
import { ErrorText } from '../../../components/ErrorText.tsx';
import { type Locale, RTL } from '../../../i18n/index.ts';
import { useDocumentTitle } from '../../../lib/document-title.ts';
import { useCan } from '../../auth/hooks/useMe.ts';
import {
  type Dashboard,
  type DashboardFilters,
  dashboardKeys,
  type Widget,
} from '../utils/dashboard-types.ts';
import { type Box, freeSpot } from '../utils/grid-layout.ts';
import { DashboardAddWidget, type NewWidget } from './DashboardAddWidget.tsx';
import { DashboardFilterBar } from './DashboardFilterBar.tsx';
import { DashboardGrid, ROW_HEIGHT } from './DashboardGrid.tsx';
import { DashboardHomeMenu } from './DashboardHomeMenu.tsx';
import { DashboardWidget, widgetContent } from './DashboardWidget.tsx';
import { ExportPdfButton } from './ExportPdfButton.tsx';

/** The dashboard a page shows: a saved one by id, or the reader's home (`home`). */
export function useDashboard(id: string) {
  return useQuery({
    queryKey: dashboardKeys.one(id),
    queryFn: async (): Promise<Dashboard> =>
      id === 'home'
        ? (await call(client.GET('/api/v1/dashboards/home'))).dashboard
        : call(client.GET('/api/v1/dashboards/{id}', { params: { path: { id } } })),
  });
}

const sizes: Record<Widget['kind'], { w: number; h: number }> = {
  report: { w: 6, h: 4 },
  kpi: { w: 3, h: 2 },
  list: { w: 6, h: 4 },
};

/**
 * A dashboard: its filter bar and its grid of widgets, each loading on its own. Its owner (or an admin) edits it in
 * place — widgets moved and resized by drag and drop (or the keyboard), added, renamed, removed — and every change
 * is saved at once. `print` leaves the frame's chrome out, draws every widget, and marks the root
 * `data-ready="true"` once each has its data (a PDF renderer waits for that).
 */
export function DashboardScreen({ id, print = false }: { id: string; print?: boolean }) {
  const { t, i18n } = useTranslation();
  const qc = useQueryClient();
  const navigate = useNavigate();
  const rtl = RTL.has(i18n.language as Locale);
  const dashboard = useDashboard(id);
  const d = dashboard.data;
  useDocumentTitle(d?.name);
  const [editing, setEditing] = useState(false);
  const [adding, setAdding] = useState(false);
  const [renaming, setRenaming] = useState<string | null>(null);
  const [filters, setFilters] = useState<DashboardFilters | null>(null);
  const [layout, setLayout] = useState<Widget[] | null>(null);
  const [settled, setSettled] = useState<ReadonlySet<string>>(new Set());
  useEffect(() => {
    if (d) {
      setLayout(d.layout);
      setFilters((f) => f ?? d.filters);
    }
  }, [d]);
  const save = useMutation({
    mutationFn: async (patch: { layout?: Widget[]; name?: string; filters?: DashboardFilters }) =>
      call(client.PATCH('/api/v1/dashboards/{id}', { params: { path: { id } }, body: patch })),
    onSuccess: (saved) => qc.setQueryData(dashboardKeys.one(id), saved),
  });
  const remove = useMutation({
    mutationFn: async () => call(client.DELETE('/api/v1/dashboards/{id}', { params: { path: { id } } })),
    onSuccess: () => {
      void qc.invalidateQueries({ queryKey: dashboardKeys.list });
      void navigate({ to: '/dashboards' });
    },
  });
  const widgets = layout ?? d?.layout ?? [];
  const change = (next: Widget[]) => {
    setLayout(next);
    save.mutate({ layout: next });
  };
  const onSettled = useCallback((widgetId: string) => {
    setSettled((s) => (s.has(widgetId) ? s : new Set([...s, widgetId])));
  }, []);
  const boxes = useMemo(() => widgets.map(({ id: wid, x, y, w, h }) => ({ id: wid, x, y, w, h })), [widgets]);
  const titleOf = (wid: string) => {
    const w = widgets.find((x) => x.id === wid);
    return w?.title ?? (w ? t(`dashboards.kind.${w.kind}`) : '');
  };
  const add = (chosen: NewWidget) => {
    const size = sizes[chosen.kind];
    const spot = freeSpot(boxes, size.w, size.h);
    const wid = `w${Date.now().toString(36)}${Math.floor(Math.random() * 1000)}`;
    change([...widgets, { ...chosen, id: wid, ...size, ...spot } as Widget]);
    setAdding(false);
  };
  const canEdit = Boolean(d?.editable) && !print;
  const ready = d !== undefined && widgets.every((w) => settled.has(w.id));
  if (dashboard.isPending) return <Loader m="md" aria-label={t('dashboards.loading')} />;
  if (!d || !filters)
    return (
      <Stack p="md">
        <ErrorText error={dashboard.error} />
      </Stack>
    );
  return (
    <Stack
      p={print ? 0 : 'md'}
      gap="md"
      data-testid="dashboard"
      data-dashboard={d.id}
      data-print={print ? 'true' : undefined}
      data-ready={ready ? 'true' : 'false'}
    >
      <Group justify="space-between" align="flex-end">
        {editing ? (
          <TextInput
            label={t('dashboards.name')}
            defaultValue={d.name}
            maxLength={200}
            data-testid="dashboard-name"
            onBlur={(e) => {
              const name = e.currentTarget.value.trim();
              if (name && name !== d.name) save.mutate({ name });
            }}
          />
        ) : (
          <Title order={2}>{d.builtIn ? t(`dashboards.builtIn.${d.builtIn}`) : d.name}</Title>
        )}
        {!print && (
          <Group gap="xs">
            {editing && (
              <Button
                leftSection={<IconPlus size={16} />}
                variant="light"
                onClick={() => setAdding(true)}
                data-testid="dashboard-add"
              >
                {t('dashboards.addWidget')}
              </Button>
            )}
            {!d.builtIn && !editing && <ExportPdfButton dashboardId={d.id} />}
            {canEdit && (
              <Button
                variant={editing ? 'filled' : 'default'}
                onClick={() => setEditing((e) => !e)}
                data-testid="dashboard-edit"
              >
                {editing ? t('dashboards.done') : t('dashboards.edit')}
              </Button>
            )}
            <Menu position="bottom-end">
              <Menu.Target>
                <ActionIcon variant="default" size="lg" aria-label={t('dashboards.more')}>
                  <IconDots size={16} />
                </ActionIcon>
              </Menu.Target>
              <Menu.Dropdown>
                <Menu.Item
                  leftSection={<IconPrinter size={14} />}
                  component="a"
                  href={`/print/dashboards/${d.id}`}
                  target="_blank"
                >
                  {t('dashboards.print')}
                </Menu.Item>
                {editing && (
                  <Menu.Item
                    onClick={() => filters && save.mutate({ filters })}
                    data-testid="dashboard-save-filters"
                  >
                    {t('dashboards.saveFilters')}
                  </Menu.Item>
                )}
                {canEdit && (
                  <Menu.Item
                    color="red"
                    leftSection={<IconTrash size={14} />}
                    onClick={() => remove.mutate()}
                  >
                    {t('dashboards.delete')}
                  </Menu.Item>
                )}
              </Menu.Dropdown>
            </Menu>
            {d.id !== 'home' && <HomeMenu dashboardId={d.id} />}
          </Group>
        )}
      </Group>
      <DashboardFilterBar filters={filters} onChange={setFilters} />
      <ErrorText error={save.error ?? remove.error} />
      {widgets.length === 0 && <Text c="dimmed">{t('dashboards.empty')}</Text>}
      <DashboardGrid
        boxes={boxes}
        editing={editing}
        rtl={rtl}
        titleOf={titleOf}
        onChange={(next: Box[]) =>
          change(widgets.map((w) => ({ ...w, ...(next.find((b) => b.id === w.id) ?? {}) })))
        }
        render={(box, height, handles) => {
          const w = widgets.find((x) => x.id === box.id);
          if (!w) return null;
          return (
            <DashboardWidget
              dashboardId={d.id}
              widget={w}
              filters={filters}
              height={height}
              onSettled={onSettled}
              saved={d.layout.some(
                (x) => x.id === w.id && JSON.stringify(widgetContent(x)) === JSON.stringify(widgetContent(w)),
              )}
              header={
                editing ? (
                  <Group gap={2} wrap="nowrap">
                    {handles}
                    <ActionIcon
                      variant="subtle"
                      size="sm"
                      aria-label={t('dashboards.rename', { title: titleOf(w.id) })}
                      onClick={() => setRenaming(w.id)}
                    >
                      <IconPencil size={14} />
                    </ActionIcon>
                    <ActionIcon
                      variant="subtle"
                      color="red"
                      size="sm"
                      aria-label={t('dashboards.remove', { title: titleOf(w.id) })}
                      data-testid="widget-remove"
                      onClick={() => change(widgets.filter((x) => x.id !== w.id))}
                    >
                      <IconTrash size={14} />
                    </ActionIcon>
                  </Group>
                ) : null
              }
            />
          );
        }}
      />
      {renaming && (
        <RenameWidget
          title={widgets.find((w) => w.id === renaming)?.title ?? ''}
          onClose={() => setRenaming(null)}
          onRename={(title) => {
            change(
              widgets.map((w) => {
                if (w.id !== renaming) return w;
                const { title: _old, ...rest } = w;
                return (title ? { ...rest, title } : rest) as Widget;
              }),
            );
            setRenaming(null);
          }}
        />
      )}
      <DashboardAddWidget opened={adding} onClose={() => setAdding(false)} onAdd={add} />
      <span hidden data-row-height={ROW_HEIGHT} />
    </Stack>
  );
}

/** Anyone makes a dashboard their own home; admins (`reports.manage`) a role's, a team's or a person's. */
function HomeMenu({ dashboardId }: { dashboardId: string }) {
  return <DashboardHomeMenu dashboardId={dashboardId} admin={useCan('reports.manage')} />;
}

function RenameWidget({
  title,
  onClose,
  onRename,
}: {
  title: string;
  onClose: () => void;
  onRename: (title: string) => void;
}) {
  const { t } = useTranslation();
  const [value, setValue] = useState(title);
  return (
    <Stack
      gap="xs"
      p="sm"
      style={{ border: '1px solid var(--mantine-color-default-border)', borderRadius: 8 }}
    >
      <TextInput
        label={t('dashboards.widgetTitle')}
        value={value}
        maxLength={200}
        autoFocus
        data-testid="widget-title-input"
        onChange={(e) => setValue(e.currentTarget.value)}
      />
      <Group justify="flex-end" gap="xs">
        <Button variant="default" size="xs" onClick={onClose}>
          {t('dashboards.cancel')}
        </Button>
        <Button size="xs" onClick={() => onRename(value.trim())}>
          {t('dashboards.renameAction')}
        </Button>
      </Group>
    </Stack>
  );
}

/** `/dashboards/$id`: one dashboard (`?print=1` goes to its print view, outside the frame). */
export default function DashboardPage() {
  const { id } = useParams({ from: '/app/dashboards/$id' });
  return <DashboardScreen id={id} />;
}
