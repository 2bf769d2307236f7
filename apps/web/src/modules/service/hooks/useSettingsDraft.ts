import { type QueryKey, useQuery } from '@tanstack/react-query';
import { useEffect, useState } from 'react';

/** Settings loaded from the server and a draft of them being edited (reset whenever the saved ones change). */
export function useSettingsDraft<T>(queryKey: QueryKey, queryFn: () => Promise<T>) {
  const saved = useQuery({ queryKey, queryFn });
  const [draft, setDraft] = useState<T | undefined>();
  useEffect(() => {
    if (saved.data) setDraft(saved.data);
  }, [saved.data]);
  return { saved, draft, setDraft };
}
