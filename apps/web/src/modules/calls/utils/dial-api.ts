import { useQuery } from '@tanstack/react-query';
import { ApiError, call, client } from '../../../api/client.ts';
import { useCan } from '../../auth/hooks/useMe.ts';

/** Query keys of click-to-call. */
export const dialKeys = { lines: ['calls', 'dial-lines'] as const };

/** The signed-in person's extensions (for holders of `calls.read`), and whether Rabita can dial through each. */
export function useDialLines() {
  const canRead = useCan('calls.read');
  return useQuery({
    queryKey: dialKeys.lines,
    queryFn: async () => (await call(client.GET('/api/v1/calls/originate'))).data,
    enabled: canRead,
    staleTime: 60_000,
  });
}

/** Asks the phone system to ring the person's extension and dial `to`; the server's refusal as an ApiError. */
export const dialApi = {
  originate: (to: string) => call(client.POST('/api/v1/calls/originate', { body: { to } })),
};

/** Whether a refusal means "dial from this device instead" (409: the connection cannot place the call). */
export const fallsBackToTel = (error: unknown) => error instanceof ApiError && error.status === 409;

/** The address of a call's recording, streamed by Rabita (never the phone system's own URL). */
export const recordingUrl = (callId: string) => `/api/v1/calls/${encodeURIComponent(callId)}/recording`;
