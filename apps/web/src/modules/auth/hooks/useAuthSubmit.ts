import { useQueryClient } from '@tanstack/react-query';
import { useNavigate } from '@tanstack/react-router';
import { type FormEvent, useState } from 'react';
import { authKeys } from '../utils/auth-keys.ts';

/** Submits a signed-out form; once it succeeds, reads who is signed in and goes to the app. */
export function useAuthSubmit(run: (form: FormData) => Promise<unknown>) {
  const qc = useQueryClient();
  const navigate = useNavigate();
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const onSubmit = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await run(new FormData(event.currentTarget));
      await qc.invalidateQueries({ queryKey: authKeys.me });
      await navigate({ to: '/' });
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  return { error, busy, onSubmit };
}

/** A form field's text. */
export const str = (form: FormData, key: string) => String(form.get(key) ?? '');
