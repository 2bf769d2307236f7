import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { ApiError, call, client } from '../api/client.ts';
import { applyLocale, type Locale } from '../i18n/index.ts';
import type { Prefs } from './format.ts';
import type { ObjectDef } from './metadata.ts';

export interface Me {
  user: {
    id: string;
    name: string;
    email: string;
    locale: Locale;
    calendar: Prefs['calendar'];
    timeZone: string;
    digits: Prefs['digits'];
  };
  workspace: {
    id: string;
    name: string;
    defaultCountry: string;
    defaultCurrency: string;
    defaultLocale: Locale;
  };
  role: string;
  permissions: {
    actions: string[];
    objects: Record<string, { read: boolean; create: boolean; update: boolean; delete: boolean }>;
  };
  workspaces?: { id: string; name: string; role: string }[];
}

/** The signed-in person (null when signed out); applies their language and direction when it arrives. */
export function useMe() {
  return useQuery({
    queryKey: ['me'],
    queryFn: async () => {
      try {
        const me = (await call(client.GET('/api/v1/me'))) as unknown as Me;
        applyLocale(me.user.locale);
        return me;
      } catch (error) {
        if (error instanceof ApiError && error.status === 401) return null;
        throw error;
      }
    },
    staleTime: 60_000,
  });
}

/** The user's display preferences (language from i18n so a switch shows at once). */
export function usePrefs(): Prefs {
  const { data } = useMe();
  const { i18n } = useTranslation();
  return {
    locale: (i18n.language as Locale) ?? 'en',
    calendar: data?.user.calendar ?? 'gregory',
    timeZone: data?.user.timeZone ?? 'UTC',
    digits: data?.user.digits ?? 'latn',
  };
}

export function useObjects() {
  return useQuery({
    queryKey: ['objects'],
    queryFn: async () =>
      ((await call(client.GET('/api/v1/metadata/objects'))) as unknown as { data: ObjectDef[] }).data,
    staleTime: 30_000,
  });
}

export function useObject(key: string): ObjectDef | undefined {
  return useObjects().data?.find((o) => o.key === key);
}

export function useMembers() {
  return useQuery({
    queryKey: ['members'],
    queryFn: async () => {
      try {
        return (
          (await call(client.GET('/api/v1/members'))) as {
            data: { userId: string; name: string; email: string; role: string }[];
          }
        ).data;
      } catch {
        return [];
      }
    },
    staleTime: 60_000,
  });
}

export function useSignOut() {
  const qc = useQueryClient();
  return async () => {
    await client.POST('/api/v1/auth/sign-out');
    qc.clear();
    window.location.assign('/sign-in');
  };
}
