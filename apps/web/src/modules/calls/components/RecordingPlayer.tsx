import { useQuery } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { call, client } from '../../../api/client.ts';
import { recordingUrl } from '../utils/dial-api.ts';

/** A call's recording, played from Rabita's permission-checked proxy (loaded only when played). */
export function RecordingPlayer({ callId }: { callId: string }) {
  const { t } = useTranslation();
  return (
    // biome-ignore lint/a11y/useMediaCaption: a phone call's recording has no captions to offer.
    <audio
      controls
      preload="none"
      src={recordingUrl(callId)}
      aria-label={t('dial.recording')}
      data-testid="call-recording"
      style={{ width: '100%', maxWidth: 360 }}
    />
  );
}

/** The recording of a call when it has one (asked of `GET /calls/:id`), for the call card. */
export function CallRecordingIfAny({ callId }: { callId: string }) {
  const found = useQuery({
    queryKey: ['calls', 'call', callId],
    queryFn: async () =>
      (await call(client.GET('/api/v1/calls/{id}', { params: { path: { id: callId } } }))).recordingUrl !==
      null,
    staleTime: 30_000,
  });
  return found.data ? <RecordingPlayer callId={callId} /> : null;
}
