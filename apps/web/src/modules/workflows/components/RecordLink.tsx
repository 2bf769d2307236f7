import { Text } from '@mantine/core';
import { AnchorLink } from '../../../components/links.tsx';

/**
 * The record a run started on, linking to its page: by its title as the viewer may see it, else by its id (a
 * record they may not read, or one since deleted).
 */
export function RecordLink({
  object,
  id,
  title,
}: {
  object: string | null;
  id: string | null;
  title?: string | null | undefined;
}) {
  if (!id) return <Text span>—</Text>;
  const text = title ? (
    <Text span size="sm">
      {title}
    </Text>
  ) : (
    <Text span size="xs" ff="monospace" dir="ltr">
      {id}
    </Text>
  );
  return object ? (
    <AnchorLink to="/o/$object/$id" params={{ object, id }}>
      {text}
    </AnchorLink>
  ) : (
    text
  );
}
