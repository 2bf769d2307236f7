import { useQueryClient } from '@tanstack/react-query';
import { client } from '../../../api/client.ts';

/** Signs out, forgets every cached answer and returns to the sign-in screen. */
export function useSignOut() {
  const qc = useQueryClient();
  return async () => {
    await client.POST('/api/v1/auth/sign-out');
    qc.clear();
    window.location.assign('/sign-in');
  };
}
