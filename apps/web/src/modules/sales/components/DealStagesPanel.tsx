import { Badge, Card, Group, Text, VisuallyHidden } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import type { Locale } from '../../../i18n/index.ts';
import { useObject } from '../../metadata/hooks/useObjects.ts';
import { titleOf } from '../../metadata/utils/metadata.ts';
import { useRecord } from '../../records/hooks/useRecord.ts';
import type { RecordPanelProps } from '../../web-module.ts';
import { listAll } from '../utils/list-all.ts';
import { salesKeys } from '../utils/sales-keys.ts';

/**
 * A deal's record-page panel: the stages of its pipeline in board order, those it has passed, the one it is in,
 * and those ahead, named in the user's language.
 */
export default function DealStagesPanel({ record }: RecordPanelProps) {
  const { t, i18n } = useTranslation();
  const locale = i18n.language as Locale;
  const pipelineId = typeof record.pipeline === 'string' ? record.pipeline : null;
  const pipelineDef = useObject('pipelines');
  const stageDef = useObject('stages');
  const pipeline = useRecord('pipelines', pipelineId);
  const stages = useQuery({
    queryKey: salesKeys.stages(pipelineId),
    enabled: pipelineId !== null,
    queryFn: async () =>
      (await listAll('stages', { field: 'pipeline', op: 'eq', value: pipelineId })).sort(
        (a, b) => Number(a.position) - Number(b.position),
      ),
  });
  if (!pipelineId || !stages.data || stages.data.length === 0) return null;
  const current = stages.data.findIndex((s) => s.id === record.stage);
  return (
    <Card withBorder padding="sm" data-testid="deal-stages">
      <Text fw={600} size="sm" mb={4} component="h3">
        {t('kanban.stagesOf', { pipeline: titleOf(pipelineDef, pipeline.data, locale) })}
      </Text>
      <Group gap={6} component="ol" style={{ listStyle: 'none', padding: 0, margin: 0 }}>
        {stages.data.map((stage, i) => (
          <li key={stage.id} aria-current={i === current ? 'step' : undefined}>
            <Badge
              variant={i < current ? 'light' : i === current ? 'filled' : 'outline'}
              color={i === current ? 'blue' : 'gray'}
              data-current={i === current || undefined}
            >
              {titleOf(stageDef, stage, locale)}
            </Badge>
            {i === current && <VisuallyHidden>{t('kanban.currentStage')}</VisuallyHidden>}
          </li>
        ))}
      </Group>
    </Card>
  );
}
