import { Button, SimpleGrid, TextInput } from '@mantine/core';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { call, client } from '../../../api/client.ts';
import { ErrorText } from '../../../components/ErrorText.tsx';
import { Section } from '../../../components/Section.tsx';
import { useAction } from '../../../lib/use-action.ts';
import { metadataKeys } from '../utils/metadata-keys.ts';

/** Adds a custom object, named in English and optionally in Arabic and Persian. */
export function NewObject({ onCreated }: { onCreated: (key: string) => void }) {
  const { t } = useTranslation();
  const { error, busy, run } = useAction();
  const [newObject, setNewObject] = useState({ key: '', en: '', enPlural: '', ar: '', fa: '' });
  return (
    <Section title={t('settings.newObject')}>
      <SimpleGrid cols={{ base: 1, sm: 2 }} maw={640}>
        <TextInput
          label={t('settings.key')}
          value={newObject.key}
          onChange={(e) => setNewObject({ ...newObject, key: e.currentTarget.value })}
          dir="ltr"
        />
        <TextInput
          label={`${t('settings.singular')} (English)`}
          value={newObject.en}
          onChange={(e) => setNewObject({ ...newObject, en: e.currentTarget.value })}
        />
        <TextInput
          label={`${t('settings.plural')} (English)`}
          value={newObject.enPlural}
          onChange={(e) => setNewObject({ ...newObject, enPlural: e.currentTarget.value })}
        />
        <TextInput
          label={t('settings.labelAr')}
          value={newObject.ar}
          onChange={(e) => setNewObject({ ...newObject, ar: e.currentTarget.value })}
          dir="rtl"
        />
        <TextInput
          label={t('settings.labelFa')}
          value={newObject.fa}
          onChange={(e) => setNewObject({ ...newObject, fa: e.currentTarget.value })}
          dir="rtl"
        />
      </SimpleGrid>
      <ErrorText error={error} />
      <Button
        mt="sm"
        loading={busy}
        onClick={async () => {
          const ok = await run(
            () =>
              call(
                client.POST('/api/v1/metadata/objects', {
                  body: {
                    key: newObject.key,
                    labels: {
                      singular: {
                        en: newObject.en,
                        ...(newObject.ar ? { ar: newObject.ar } : {}),
                        ...(newObject.fa ? { fa: newObject.fa } : {}),
                      },
                      plural: {
                        en: newObject.enPlural || newObject.en,
                        ...(newObject.ar ? { ar: newObject.ar } : {}),
                        ...(newObject.fa ? { fa: newObject.fa } : {}),
                      },
                    },
                  },
                }),
              ),
            [metadataKeys.objects],
          );
          if (ok) {
            onCreated(newObject.key);
            setNewObject({ key: '', en: '', enPlural: '', ar: '', fa: '' });
          }
        }}
      >
        {t('settings.create')}
      </Button>
    </Section>
  );
}
