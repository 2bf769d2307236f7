import { useTranslation } from 'react-i18next';
import type { Locale } from '../../../i18n/index.ts';
import { useObject } from '../../metadata/hooks/useObjects.ts';
import { titleOf } from '../../metadata/utils/metadata.ts';
import { useRecord } from '../../records/hooks/useRecord.ts';
import { useMembers } from '../../workspaces/hooks/useMembers.ts';
import type { TicketMessage } from '../utils/service-api.ts';

/**
 * Who wrote a message: the member for a reply or a note, the requester for the customer's message; written
 * through the API without a person (an integration's key) said so. A member the reader cannot name (they left, or
 * the reader's role may not list members) is "a team member".
 */
export function AuthorName({ message }: { message: TicketMessage }) {
  const { t, i18n } = useTranslation();
  const members = useMembers();
  const people = useObject('people');
  const person = useRecord('people', message.authorPersonId);
  if (message.kind === 'customer') {
    if (person.data) return titleOf(people, person.data, i18n.language as Locale);
    return person.isPending && message.authorPersonId ? '…' : t('service.customer');
  }
  if (!message.authorUserId) return t('service.integration');
  const member = members.data?.find((m) => m.userId === message.authorUserId);
  if (member) return member.name;
  return members.isPending ? '…' : t('service.teamMember');
}
