import { Button, Group, Modal, NumberInput, Select, Stack, Textarea, TextInput } from '@mantine/core';
import { IconPhone } from '@tabler/icons-react';
import { useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { call, client } from '../../../api/client.ts';
import { DateInput } from '../../../components/DateInput.tsx';
import { ErrorText } from '../../../components/ErrorText.tsx';
import type { ObjectDef } from '../../metadata/utils/metadata.ts';
import { timelineKeys } from '../utils/timeline-keys.ts';

/** The activity field that links an activity to a record of each standard object. */
const LINK_FIELD: Record<string, string> = {
  people: 'people',
  companies: 'companies',
  deals: 'deals',
  leads: 'leads',
};

/** Log a call, add a note or create a task, linked to this record. */
export function QuickActions({ object, id }: { object: ObjectDef; id: string }) {
  const { t } = useTranslation();
  const qc = useQueryClient();
  const [mode, setMode] = useState<'call' | 'note' | 'task' | null>(null);
  const [subject, setSubject] = useState('');
  const [body, setBody] = useState('');
  const [minutes, setMinutes] = useState<number | string>('');
  const [direction, setDirection] = useState<string | null>('outbound');
  const [due, setDue] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  const close = () => {
    setMode(null);
    setSubject('');
    setBody('');
    setMinutes('');
    setDue(null);
    setError(null);
  };
  const link = LINK_FIELD[object.key];
  const save = async () => {
    try {
      if (mode === 'task') {
        await call(
          client.POST('/api/v1/objects/{object}', {
            params: { path: { object: 'tasks' } },
            body: {
              title: subject,
              linkedObject: object.key,
              linkedRecord: id,
              ...(due ? { dueAt: `${due}T09:00:00.000Z` } : {}),
            },
          }),
        );
      } else {
        await call(
          client.POST('/api/v1/objects/{object}', {
            params: { path: { object: 'activities' } },
            body: {
              type: mode === 'call' ? 'call' : 'note',
              subject: subject || (mode === 'call' ? t('record.logCall') : t('record.addNote')),
              body: body || null,
              occurredAt: new Date().toISOString(),
              ...(mode === 'call'
                ? { direction, durationSeconds: minutes === '' ? null : Number(minutes) * 60 }
                : {}),
              ...(link ? { [link]: [id] } : {}),
            },
          }),
        );
      }
      close();
      await qc.invalidateQueries({ queryKey: timelineKeys.record(object.key, id) });
    } catch (e) {
      setError(e);
    }
  };
  return (
    <>
      <Group gap="xs">
        {link && (
          <Button
            size="xs"
            variant="light"
            leftSection={<IconPhone size={14} />}
            onClick={() => setMode('call')}
          >
            {t('record.logCall')}
          </Button>
        )}
        {link && (
          <Button size="xs" variant="light" onClick={() => setMode('note')}>
            {t('record.addNote')}
          </Button>
        )}
        <Button size="xs" variant="light" onClick={() => setMode('task')}>
          {t('record.createTask')}
        </Button>
      </Group>
      <Modal
        opened={mode !== null}
        onClose={close}
        title={
          mode === 'call'
            ? t('record.logCall')
            : mode === 'note'
              ? t('record.addNote')
              : t('record.createTask')
        }
      >
        <Stack>
          <TextInput
            label={mode === 'task' ? t('record.title') : t('record.subject')}
            value={subject}
            onChange={(e) => setSubject(e.currentTarget.value)}
            required={mode === 'task'}
            data-autofocus
          />
          {mode !== 'task' && (
            <Textarea
              label={t('record.body')}
              value={body}
              onChange={(e) => setBody(e.currentTarget.value)}
              autosize
              minRows={3}
            />
          )}
          {mode === 'call' && (
            <Group grow>
              <NumberInput label={t('record.duration')} value={minutes} onChange={setMinutes} min={0} />
              <Select
                label={t('record.direction')}
                value={direction}
                onChange={setDirection}
                data={[
                  { value: 'inbound', label: '↙' },
                  { value: 'outbound', label: '↗' },
                ]}
              />
            </Group>
          )}
          {mode === 'task' && <DateInput label={t('record.due')} value={due} onChange={setDue} />}
          <ErrorText error={error} />
          <Group justify="flex-end">
            <Button variant="default" onClick={close}>
              {t('record.cancel')}
            </Button>
            <Button onClick={save}>{t('record.save')}</Button>
          </Group>
        </Stack>
      </Modal>
    </>
  );
}
