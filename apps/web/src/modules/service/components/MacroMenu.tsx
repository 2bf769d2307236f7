import { Alert, Button, Menu } from '@mantine/core';
import { IconBolt } from '@tabler/icons-react';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ErrorText } from '../../../components/ErrorText.tsx';
import { useAction } from '../../../lib/use-action.ts';
import { webModules } from '../../index.ts';
import { recordKeys } from '../../records/utils/record-keys.ts';
import type { ListActionProps, RecordPanelProps } from '../../web-module.ts';
import { repliesApi, repliesKeys } from '../utils/replies-api.ts';
import { serviceKeys } from '../utils/service-keys.ts';

/**
 * "Apply macro": a menu of the workspace's macros; choosing one applies it to the tickets given, as the agent (the
 * server applies each ticket's changes, reply and note together or not at all). Everything showing tickets reads
 * them again afterwards.
 */
function MacroMenu({ ticketIds, onApplied }: { ticketIds: string[]; onApplied?: (summary: string) => void }) {
  const { t } = useTranslation();
  const qc = useQueryClient();
  const action = useAction();
  const macros = useQuery({ queryKey: repliesKeys.macros, queryFn: repliesApi.macros });
  const list = macros.data ?? [];
  if (list.length === 0) return null;
  const apply = (macroId: string) =>
    void action.run(async () => {
      if (ticketIds.length === 1) {
        await repliesApi.applyMacro(ticketIds[0]!, macroId);
        onApplied?.(t('replies.applied'));
      } else {
        const { results } = await repliesApi.applyMacroToMany(macroId, ticketIds);
        const ok = results.filter((r) => r.ok).length;
        onApplied?.(t('replies.appliedMany', { ok, count: results.length }));
      }
      await qc.invalidateQueries({ queryKey: serviceKeys.conversations });
      for (const id of ticketIds) await qc.invalidateQueries({ queryKey: recordKeys.detail('tickets', id) });
      for (const m of webModules) m.live?.records?.(qc, new Set(['tickets']));
      await qc.invalidateQueries({ queryKey: recordKeys.lists('tickets') });
    });
  return (
    <>
      <Menu position="bottom-end">
        <Menu.Target>
          <Button
            size="xs"
            variant="default"
            leftSection={<IconBolt size={14} aria-hidden />}
            disabled={ticketIds.length === 0}
            loading={action.busy}
            data-testid="apply-macro"
          >
            {t('replies.applyMacro')}
          </Button>
        </Menu.Target>
        <Menu.Dropdown>
          {list.map((m) => (
            <Menu.Item key={m.id} onClick={() => apply(m.id)}>
              <span dir="auto">{m.name}</span>
            </Menu.Item>
          ))}
        </Menu.Dropdown>
      </Menu>
      <ErrorText error={action.error} />
    </>
  );
}

/** On the tickets list's toolbar: applies a macro to the selected tickets. */
export function MacroListAction({ object, selected }: ListActionProps) {
  const [summary, setSummary] = useState<string | null>(null);
  if (object.key !== 'tickets') return null;
  return (
    <>
      <MacroMenu ticketIds={[...selected]} onApplied={setSummary} />
      {summary && (
        <Alert
          color="teal"
          variant="light"
          role="status"
          py={4}
          withCloseButton
          onClose={() => setSummary(null)}
        >
          {summary}
        </Alert>
      )}
    </>
  );
}

/** On a ticket's page: applies a macro to this ticket. */
export default function MacroPanel({ id }: RecordPanelProps) {
  return <MacroMenu ticketIds={[id]} />;
}
