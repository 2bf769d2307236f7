import { useQuery } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { ApiError, call, client } from '../../../api/client.ts';
import type { components } from '../../../api/schema.gen.ts';
import { applyLocale, isLocale } from '../../../i18n/index.ts';
import { asCalendar, asDigits, type Prefs } from '../../../lib/format.ts';
import { authKeys } from '../utils/auth-keys.ts';

/** The caller as `GET /me` describes them: person, workspace, role and the actions it allows. */
export type Me = components['schemas']['Me'];

/** The signed-in person (null when signed out); applies their language and direction when it arrives. */
export function useMe() {
  return useQuery({
    queryKey: authKeys.me,
    queryFn: async () => {
      try {
        const me = await call(client.GET('/api/v1/me'));
        if (isLocale(me.user?.locale)) applyLocale(me.user.locale);
        return me;
      } catch (error) {
        if (error instanceof ApiError && error.status === 401) return null;
        throw error;
      }
    },
    staleTime: 60_000,
  });
}

/** Whether the signed-in person's role allows a workspace-wide action (what the server's route checks). */
export function useCan(action: string | null): boolean {
  const me = useMe().data;
  return action === null || Boolean(me?.permissions.actions.includes(action));
}

/** The user's display preferences (language from i18n so a switch shows at once). */
export function usePrefs(): Prefs {
  const { data } = useMe();
  const { i18n } = useTranslation();
  return {
    locale: isLocale(i18n.language) ? i18n.language : 'en',
    calendar: asCalendar(data?.user?.calendar),
    timeZone: data?.user?.timeZone ?? 'UTC',
    digits: asDigits(data?.user?.digits),
  };
}
