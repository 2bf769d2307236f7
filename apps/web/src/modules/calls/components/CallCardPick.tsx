import { Button, Group, Modal, Stack, Text } from '@mantine/core';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ErrorText } from '../../../components/ErrorText.tsx';
import { useObject } from '../../metadata/hooks/useObjects.ts';
import { RecordFlags } from '../../records/components/RecordFlags.tsx';
import { RecordForm } from '../../records/components/RecordForm.tsx';
import { type CallCardData, callCardApi, callCardKeys } from '../utils/call-card-api.ts';

/**
 * No single caller: several records share the number (or only its last digits), and the agent picks the one on the
 * line; or nobody has it, and the agent makes a person with the number already filled in. Either links the call.
 */
export function CallCardPick({ card }: { card: CallCardData }) {
  const { t } = useTranslation();
  const qc = useQueryClient();
  const people = useObject('people');
  const [creating, setCreating] = useState(false);
  const link = useMutation({
    mutationFn: (target: { object: 'people' | 'companies' | 'leads'; recordId: string }) =>
      callCardApi.wrapUp(card.call.id, { link: target }),
    onSuccess: (next) => qc.setQueryData(callCardKeys.card(card.call.id), next),
  });
  return (
    <Stack gap="xs">
      {card.candidates.length > 0 ? (
        <>
          <Text size="sm" fw={600}>
            {t('callCard.pickTitle')}
          </Text>
          <Stack gap={6} data-testid="call-card-candidates">
            {card.candidates.map((c) => (
              <Group key={`${c.object}:${c.id}`} justify="space-between" wrap="nowrap">
                <div>
                  <Text size="sm">{c.title ?? t('callCard.untitled')}</Text>
                  {c.company?.title && (
                    <Text size="xs" c="dimmed">
                      {c.company.title}
                    </Text>
                  )}
                  {c.how === 'suffix' && (
                    <Text size="xs" c="orange">
                      {t('callCard.suffixMatch')}
                    </Text>
                  )}
                  {c.flags && c.flags.length > 0 && people && (
                    <RecordFlags object={people} record={{ id: c.id, flags: c.flags }} />
                  )}
                </div>
                {card.canWrapUp && (
                  <Button
                    size="xs"
                    variant="light"
                    loading={link.isPending && link.variables?.recordId === c.id}
                    onClick={() => link.mutate({ object: c.object, recordId: c.id })}
                  >
                    {t('callCard.thisOne')}
                  </Button>
                )}
              </Group>
            ))}
          </Stack>
        </>
      ) : (
        <Text size="sm" c="dimmed">
          {t('callCard.noMatch')}
        </Text>
      )}
      {card.newPerson && card.canWrapUp && (
        <Button size="xs" variant="default" onClick={() => setCreating(true)}>
          {t('callCard.newPerson')}
        </Button>
      )}
      <ErrorText error={link.error} />
      {people && (
        <Modal opened={creating} onClose={() => setCreating(false)} title={t('callCard.newPerson')} size="lg">
          <RecordForm
            object={people}
            initial={card.newPerson?.phone ? { phones: [card.newPerson.phone] } : {}}
            onCancel={() => setCreating(false)}
            onSaved={(person) => {
              setCreating(false);
              link.mutate({ object: 'people', recordId: person.id });
            }}
          />
        </Modal>
      )}
    </Stack>
  );
}
