import { useTranslation } from 'react-i18next';
import { useMembers } from '../../workspaces/hooks/useMembers.ts';

/** A member by user id: their name, "a team member" when the reader cannot name them, "the system" for none. */
export function MemberName({ userId }: { userId: string | null }) {
  const { t } = useTranslation();
  const members = useMembers();
  if (!userId) return t('cases.system');
  const member = members.data?.find((m) => m.userId === userId);
  if (member) return member.name;
  return members.isPending ? '…' : t('service.teamMember');
}
