import { useQuery } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { call, client } from '../../../api/client.ts';
import type { components } from '../../../api/schema.gen.ts';
import { roleKeys } from '../utils/role-keys.ts';

export type Role = components['schemas']['Role'];

/** The workspace's roles, built-in and custom, with their permissions. */
export function useRoles() {
  return useQuery({
    queryKey: roleKeys.all,
    queryFn: async () => (await call(client.GET('/api/v1/roles'))).data,
  });
}

/** The roles every workspace starts with: the choices offered when the caller may not list the roles. */
const BUILT_IN = ['admin', 'manager', 'member', 'agent', 'viewer'];

/**
 * Role choices for a select: every role of the workspace (custom ones too), built-in ones under their
 * translated names, custom ones under the name they were given.
 */
export function useRoleChoices(): { value: string; label: string }[] {
  const { t } = useTranslation();
  const roles = useRoles();
  const listed = roles.data ?? (roles.isError ? BUILT_IN.map((key) => ({ key, name: key })) : []);
  return listed.map((r) => ({ value: r.key, label: t(`role.${r.key}`, { defaultValue: r.name }) }));
}
