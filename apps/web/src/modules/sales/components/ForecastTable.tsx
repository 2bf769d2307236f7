import {
  ActionIcon,
  Anchor,
  Group,
  Menu,
  Popover,
  Progress,
  Stack,
  Table,
  Text,
  useDirection,
  VisuallyHidden,
} from '@mantine/core';
import { IconChevronDown, IconChevronLeft, IconChevronRight, IconDots } from '@tabler/icons-react';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { formatDateTime } from '../../../lib/format.ts';
import { usePrefs } from '../../auth/hooks/useMe.ts';
import { useMembers } from '../../workspaces/hooks/useMembers.ts';
import type { DealsCategory, ForecastRow } from '../utils/forecast-api.ts';
import { forecastTree, formatAmount, formatPercent } from '../utils/forecast-format.ts';

/** The columns whose number opens the deals behind it, and the deals' category it asks for. */
const DRILLABLE = [
  ['closedWon', 'closed'],
  ['commit', 'commit'],
  ['bestCase', 'bestCase'],
  ['pipeline', 'pipeline'],
  ['weightedPipeline', 'pipeline'],
] as const satisfies readonly (readonly [keyof ForecastRow, DealsCategory])[];

/**
 * The forecast, one row per rep under their team, teams rolled up and expandable, the total last: closed won,
 * commit, best case, pipeline and weighted pipeline (each opening its deals), the simulated range, quota and
 * attainment, the rep's last submission and the manager's adjustment beside it (its note on click). Managers get a
 * menu per row to adjust the forecast or set the quota. The table scrolls sideways inside its own box.
 */
export function ForecastTable({
  rows,
  currency,
  canManage,
  onDrill,
  onAdjust,
  onQuota,
}: {
  rows: readonly ForecastRow[];
  currency: string;
  canManage: boolean;
  onDrill: (row: ForecastRow, category: DealsCategory, column: (typeof DRILLABLE)[number][0]) => void;
  onAdjust: (row: ForecastRow) => void;
  onQuota: (row: ForecastRow) => void;
}) {
  const { t } = useTranslation();
  const prefs = usePrefs();
  const members = useMembers().data ?? [];
  // A collapsed team's arrow points along the reading direction.
  const Closed = useDirection().dir === 'rtl' ? IconChevronLeft : IconChevronRight;
  const [collapsed, setCollapsed] = useState<ReadonlySet<string>>(new Set());
  const money = (value: number | null | undefined) => formatAmount(value, currency, prefs);
  const nameOf = (row: ForecastRow) => (row.kind === 'total' ? t('forecast.total') : row.name);
  const toggle = (id: string) =>
    setCollapsed((c) => {
      const next = new Set(c);
      if (!next.delete(id)) next.add(id);
      return next;
    });
  return (
    // Positioned, so what sits absolutely inside (a hidden column title) scrolls with the table, not past the page.
    <Table.ScrollContainer minWidth={1300} type="native" pos="relative">
      <Table
        striped
        highlightOnHover
        withTableBorder
        data-testid="forecast-table"
        aria-label={t('forecast.table')}
      >
        <Table.Thead>
          <Table.Tr>
            <Table.Th>{t('forecast.columns.name')}</Table.Th>
            {DRILLABLE.map(([column]) => (
              <Table.Th key={column}>{t(`forecast.columns.${column}`)}</Table.Th>
            ))}
            <Table.Th>{t('forecast.columns.range')}</Table.Th>
            <Table.Th>{t('forecast.columns.quota')}</Table.Th>
            <Table.Th>{t('forecast.columns.attainment')}</Table.Th>
            <Table.Th>{t('forecast.columns.submission')}</Table.Th>
            <Table.Th>{t('forecast.columns.adjustment')}</Table.Th>
            {canManage && (
              <Table.Th>
                <VisuallyHidden>{t('forecast.columns.actions')}</VisuallyHidden>
              </Table.Th>
            )}
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {forecastTree(rows, collapsed).map(({ row, key, depth, hasChildren }) => {
            const name = nameOf(row);
            const strong = row.kind !== 'user';
            return (
              <Table.Tr key={key} data-kind={row.kind} data-id={row.id} data-testid="forecast-row">
                <Table.Th scope="row" fw={strong ? 700 : 400} style={{ paddingInlineStart: 12 + depth * 20 }}>
                  <Group gap={4} wrap="nowrap">
                    {hasChildren && (
                      <ActionIcon
                        variant="subtle"
                        size="sm"
                        aria-expanded={!collapsed.has(row.id)}
                        aria-label={t(collapsed.has(row.id) ? 'forecast.expand' : 'forecast.collapse', {
                          name,
                        })}
                        onClick={() => toggle(row.id)}
                      >
                        {collapsed.has(row.id) ? <Closed size={14} /> : <IconChevronDown size={14} />}
                      </ActionIcon>
                    )}
                    <span>{name}</span>
                  </Group>
                </Table.Th>
                {DRILLABLE.map(([column, category]) => (
                  <Table.Td key={column} data-column={column}>
                    {/* A link-coloured button, underlined only on hover: a dotted line would hide Persian zeros. */}
                    <Anchor
                      component="button"
                      type="button"
                      fz="sm"
                      fw={strong ? 700 : 400}
                      style={{ whiteSpace: 'nowrap' }}
                      aria-label={t('forecast.drill', {
                        category: t(`forecast.columns.${column}`),
                        name,
                        amount: money(row[column]),
                      })}
                      onClick={() => onDrill(row, category, column)}
                    >
                      {money(row[column])}
                    </Anchor>
                  </Table.Td>
                ))}
                <Table.Td data-column="range">
                  <Text size="sm" style={{ whiteSpace: 'nowrap' }}>
                    {money(row.range.p10)} – {money(row.range.p90)}
                  </Text>
                  <Text size="xs" c="dimmed">
                    {t('forecast.median', { amount: money(row.range.p50) })}
                  </Text>
                </Table.Td>
                <Table.Td data-column="quota">
                  {row.quota === null ? (
                    <Text size="sm" c="dimmed">
                      {t('forecast.noQuota')}
                    </Text>
                  ) : (
                    money(row.quota)
                  )}
                </Table.Td>
                <Table.Td data-column="attainment" miw={120}>
                  {row.attainment === null ? (
                    <Text size="sm" c="dimmed">
                      —
                    </Text>
                  ) : (
                    <Stack gap={2}>
                      <Text size="sm">{formatPercent(row.attainment, prefs)}</Text>
                      <Progress
                        value={Math.min(Math.max(row.attainment, 0), 1) * 100}
                        color={row.attainment >= 1 ? 'teal' : 'blue'}
                        aria-label={t('forecast.attainmentOf', { name })}
                      />
                    </Stack>
                  )}
                </Table.Td>
                <Table.Td data-column="submission">
                  {row.submission ? (
                    <Stack gap={0}>
                      <Text size="sm">
                        {t('forecast.submitted', {
                          commit: money(row.submission.commit),
                          bestCase: money(row.submission.bestCase),
                        })}
                      </Text>
                      <Text size="xs" c="dimmed">
                        {t('forecast.submittedAt', { at: formatDateTime(row.submission.at, prefs) })}
                      </Text>
                      {row.submission.note && (
                        <Text size="xs" c="dimmed" lineClamp={2}>
                          {row.submission.note}
                        </Text>
                      )}
                    </Stack>
                  ) : (
                    <Text size="sm" c="dimmed">
                      {row.kind === 'user' ? t('forecast.notSubmitted') : '—'}
                    </Text>
                  )}
                </Table.Td>
                <Table.Td data-column="adjustment">
                  {row.adjustments.commit || row.adjustments.bestCase ? (
                    <Stack gap={2}>
                      {[row.adjustments.commit, row.adjustments.bestCase].map(
                        (adjustment) =>
                          adjustment && (
                            <Popover
                              key={adjustment.category}
                              withArrow
                              shadow="md"
                              width={260}
                              position="bottom"
                            >
                              <Popover.Target>
                                <Anchor
                                  component="button"
                                  type="button"
                                  fz="sm"
                                  data-testid="forecast-adjustment"
                                  data-category={adjustment.category}
                                  style={{ whiteSpace: 'nowrap' }}
                                >
                                  {t('forecast.adjusted', {
                                    category: t(`forecast.categories.${adjustment.category}`),
                                    amount: money(adjustment.amount),
                                  })}
                                </Anchor>
                              </Popover.Target>
                              <Popover.Dropdown>
                                <Text size="sm" data-testid="forecast-adjustment-note">
                                  {adjustment.note || t('forecast.noNote')}
                                </Text>
                                <Text size="xs" c="dimmed" mt={4}>
                                  {t('forecast.adjustedBy', {
                                    by: members.find((m) => m.userId === adjustment.by)?.name ?? '—',
                                    at: formatDateTime(adjustment.at, prefs),
                                  })}
                                </Text>
                              </Popover.Dropdown>
                            </Popover>
                          ),
                      )}
                    </Stack>
                  ) : (
                    <Text size="sm" c="dimmed">
                      {t('forecast.noAdjustment')}
                    </Text>
                  )}
                </Table.Td>
                {canManage && (
                  <Table.Td>
                    {row.kind !== 'total' && (
                      <Menu position="bottom-end">
                        <Menu.Target>
                          <ActionIcon variant="subtle" aria-label={t('forecast.rowActions', { name })}>
                            <IconDots size={16} />
                          </ActionIcon>
                        </Menu.Target>
                        <Menu.Dropdown>
                          <Menu.Item onClick={() => onAdjust(row)}>{t('forecast.adjust')}</Menu.Item>
                          <Menu.Item onClick={() => onQuota(row)}>{t('forecast.setQuota')}</Menu.Item>
                        </Menu.Dropdown>
                      </Menu>
                    )}
                  </Table.Td>
                )}
              </Table.Tr>
            );
          })}
        </Table.Tbody>
      </Table>
    </Table.ScrollContainer>
  );
}
