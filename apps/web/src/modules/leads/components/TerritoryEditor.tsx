import { Fieldset, SimpleGrid, TagsInput } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { TERRITORY_LEVELS, type Territory, type TerritoryLevel } from '../utils/leads-keys.ts';

/** One member's territory: a tags input per level (countries as ISO codes, upper-cased as typed). */
export function TerritoryEditor({
  name,
  value,
  onChange,
}: {
  name: string;
  value: Territory;
  onChange: (next: Territory) => void;
}) {
  const { t } = useTranslation();
  const set = (level: TerritoryLevel, values: string[]) =>
    onChange({
      ...value,
      [level]: level === 'countries' ? values.map((v) => v.trim().toUpperCase()) : values,
    });
  return (
    <Fieldset legend={t('leads.territoryOf', { name })} data-testid="territory-editor">
      <SimpleGrid cols={{ base: 1, sm: 2 }}>
        {TERRITORY_LEVELS.map((level) => (
          <TagsInput
            key={level}
            label={t(`leads.territoryLevels.${level}`)}
            aria-label={`${t(`leads.territoryLevels.${level}`)} — ${name}`}
            value={value[level] ?? []}
            onChange={(values) => set(level, values)}
            maxTags={1000}
            clearable
            dir="auto"
          />
        ))}
      </SimpleGrid>
    </Fieldset>
  );
}
