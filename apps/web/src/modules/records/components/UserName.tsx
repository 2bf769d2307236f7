import { Text } from '@mantine/core';
import { useMembers } from '../../workspaces/hooks/useMembers.ts';

/** A member's name, by their user id. */
export function UserName({ id }: { id: string | null | undefined }) {
  const members = useMembers().data ?? [];
  if (!id) return null;
  return <Text size="sm">{members.find((m) => m.userId === id)?.name ?? '…'}</Text>;
}
