import { Stack } from '@mantine/core';
import { Invitations } from './Invitations.tsx';
import { MembersTable } from './MembersTable.tsx';

/** The members with their roles, and invitations. */
export default function MembersSettings() {
  return (
    <Stack>
      <MembersTable />
      <Invitations />
    </Stack>
  );
}
