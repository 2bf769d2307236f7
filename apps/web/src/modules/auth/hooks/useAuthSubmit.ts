import { useQueryClient } from '@tanstack/react-query';
import { useNavigate } from '@tanstack/react-router';
import { type FormEvent, useState } from 'react';
import type { SignInChallenge } from '../components/SecondFactorStep.tsx';
import { authKeys } from '../utils/auth-keys.ts';

/**
 * Submits a signed-out form; once it succeeds, reads who is signed in and goes to the app. When the server asks
 * for a second step (a challenge), it is kept for the screen to show instead.
 */
export function useAuthSubmit(
  run: (form: FormData) => Promise<unknown>,
  options: { invitation?: string | undefined } = {},
) {
  const qc = useQueryClient();
  const navigate = useNavigate();
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const [challenge, setChallenge] = useState<SignInChallenge | null>(null);
  const finish = async () => {
    await qc.invalidateQueries({ queryKey: authKeys.me });
    if (options.invitation)
      await navigate({ to: '/accept-invitation', search: { token: options.invitation } });
    else await navigate({ to: '/' });
  };
  const onSubmit = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const answer = await run(new FormData(event.currentTarget));
      if (answer && typeof answer === 'object' && 'challenge' in answer) {
        setChallenge(answer as SignInChallenge);
        return;
      }
      await finish();
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  return { error, busy, onSubmit, challenge, finish };
}

/** A form field's text. */
export const str = (form: FormData, key: string) => String(form.get(key) ?? '');
