import { Text } from '@mantine/core';
import { AnchorLink } from '../../../components/links.tsx';

/** The record a run started on, linking to its page (its id, since a run keeps no title). */
export function RecordLink({ object, id }: { object: string | null; id: string | null }) {
  if (!id) return <Text span>—</Text>;
  const code = (
    <Text span size="xs" ff="monospace" dir="ltr">
      {id}
    </Text>
  );
  return object ? (
    <AnchorLink to="/o/$object/$id" params={{ object, id }}>
      {code}
    </AnchorLink>
  ) : (
    code
  );
}
