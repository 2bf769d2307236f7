import { Button, Group, MultiSelect, NumberInput, Stack, Switch, TagsInput, Text } from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ErrorText } from '../../../components/ErrorText.tsx';
import { Section } from '../../../components/Section.tsx';
import { formatNumber } from '../../../lib/format.ts';
import { usePrefs } from '../../auth/hooks/useMe.ts';
import { assignmentApi, assignmentKeys, DESK_LANGUAGES, type DeskAgent } from '../utils/assignment-api.ts';

/** Every member as a desk agent: available or away, capacity, languages, products and tiers, saved per agent. */
export function AssignmentAgents() {
  const { t } = useTranslation();
  const agents = useQuery({ queryKey: assignmentKeys.agents, queryFn: assignmentApi.agents });
  return (
    <Section title={t('deskAssign.agentsTitle')}>
      <Text size="sm" c="dimmed" mb="sm">
        {t('deskAssign.agentsHint')}
      </Text>
      <ErrorText error={agents.error} />
      <Stack gap="lg">
        {(agents.data ?? []).map((a) => (
          <AgentEditor key={`${a.userId}:${a.capacity}:${a.languages.join()}:${a.available}`} agent={a} />
        ))}
      </Stack>
    </Section>
  );
}

/** One agent's settings; Save sends what changed. */
function AgentEditor({ agent }: { agent: DeskAgent }) {
  const { t } = useTranslation();
  const prefs = usePrefs();
  const qc = useQueryClient();
  const [available, setAvailable] = useState(agent.available);
  const [capacity, setCapacity] = useState<number>(agent.capacity);
  const [languages, setLanguages] = useState<string[]>(agent.languages);
  const [products, setProducts] = useState<string[]>(agent.products);
  const [tiers, setTiers] = useState<string[]>(agent.tiers);
  const save = useMutation({
    mutationFn: () =>
      assignmentApi.updateAgent(agent.userId, {
        available,
        capacity,
        languages: languages as (typeof DESK_LANGUAGES)[number][],
        products,
        tiers,
      }),
    onSuccess: () => qc.invalidateQueries({ queryKey: assignmentKeys.agents }),
  });
  return (
    <Stack gap={6} data-testid={`desk-agent-${agent.userId}`} role="group" aria-label={agent.name}>
      <Group justify="space-between">
        <Text fw={600} dir="auto">
          {agent.name}
        </Text>
        <Text size="sm" c="dimmed">
          {t('deskAssign.openTickets', { n: formatNumber(agent.openTickets, prefs) })}
        </Text>
      </Group>
      <Group grow align="flex-end">
        <Switch
          label={available ? t('deskAssign.available') : t('deskAssign.away')}
          checked={available}
          onChange={(e) => setAvailable(e.currentTarget.checked)}
        />
        <NumberInput
          label={t('deskAssign.capacity')}
          min={0}
          max={1000}
          allowDecimal={false}
          value={capacity}
          onChange={(v) => setCapacity(typeof v === 'number' ? v : Number(v) || 0)}
        />
        <MultiSelect
          label={t('deskAssign.languages')}
          data={DESK_LANGUAGES.map((l) => ({ value: l, label: t(`deskAssign.languageNames.${l}`) }))}
          value={languages}
          onChange={setLanguages}
        />
      </Group>
      <Group grow align="flex-end">
        <TagsInput label={t('deskAssign.products')} value={products} onChange={setProducts} dir="auto" />
        <TagsInput label={t('deskAssign.tiers')} value={tiers} onChange={setTiers} dir="auto" />
        <Button
          variant="light"
          onClick={() => save.mutate()}
          loading={save.isPending}
          aria-label={t('deskAssign.saveAgent', { name: agent.name })}
        >
          {t('record.save')}
        </Button>
      </Group>
      <ErrorText error={save.error} />
    </Stack>
  );
}
