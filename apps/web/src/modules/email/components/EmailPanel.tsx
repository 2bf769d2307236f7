import { Button, Group } from '@mantine/core';
import { IconMail, IconTimelineEventPlus } from '@tabler/icons-react';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { timelineKeys } from '../../timeline/utils/timeline-keys.ts';
import type { RecordPanelProps } from '../../web-module.ts';
import { emailApi } from '../utils/email-api.ts';
import { recordAddresses } from '../utils/email-entry.ts';
import { emailKeys } from '../utils/email-keys.ts';
import { Composer, type ComposerStart } from './Composer.tsx';
import { EnrolModal } from './EnrolModal.tsx';

/** How often an open record page looks for new mail. */
const NEW_MAIL_MS = 5_000;

/**
 * Refreshes a record's timeline when new mail for it arrives. The server's live events speak of record changes
 * and a synced message changes no record, so the newest emails are looked up every few seconds while the page is
 * open and visible, and the timeline reloads only when they differ.
 */
function useNewMailRefresh(object: string, id: string): void {
  const qc = useQueryClient();
  const newest = useQuery({
    queryKey: emailKeys.newest(object, id),
    queryFn: async () => (await emailApi.newestOn(object, id)).join(','),
    refetchInterval: NEW_MAIL_MS,
  });
  const seen = useRef<string | undefined>(undefined);
  useEffect(() => {
    if (newest.data === undefined) return;
    if (seen.current !== undefined && seen.current !== newest.data)
      void qc.invalidateQueries({ queryKey: timelineKeys.record(object, id) });
    seen.current = newest.data;
  }, [newest.data, object, id, qc]);
}

/**
 * A record page's email panel: a button that writes to the record (a person's addresses filled in), on a person's
 * page one that enrols them in a sequence, and new mail shown as it arrives.
 */
export default function EmailPanel({ object, record, id }: RecordPanelProps) {
  const { t } = useTranslation();
  const [composing, setComposing] = useState<ComposerStart | null>(null);
  // A message whose send was undone opens afresh, even over another one being written.
  const [round, setRound] = useState(0);
  const [enrolling, setEnrolling] = useState(false);
  useNewMailRefresh(object.key, id);
  return (
    <Group>
      <Button
        size="xs"
        variant="light"
        leftSection={<IconMail size={14} aria-hidden />}
        onClick={() => setComposing({ to: recordAddresses(record) })}
      >
        {t('email.compose')}
      </Button>
      {object.key === 'people' && (
        <Button
          size="xs"
          variant="light"
          leftSection={<IconTimelineEventPlus size={14} aria-hidden />}
          onClick={() => setEnrolling(true)}
        >
          {t('email.enrolAction')}
        </Button>
      )}
      {composing && (
        <Composer
          key={round}
          start={composing}
          record={{ object: object.key, id }}
          onClose={() => setComposing(null)}
          onReopen={(draft) => {
            setComposing(draft);
            setRound((r) => r + 1);
          }}
        />
      )}
      {enrolling && <EnrolModal personId={id} onClose={() => setEnrolling(false)} />}
    </Group>
  );
}
