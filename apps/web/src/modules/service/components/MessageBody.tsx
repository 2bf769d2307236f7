import { Stack, Text } from '@mantine/core';
import { paragraphs } from '../utils/paragraphs.ts';

/**
 * A message's plain text, never read as HTML. Each paragraph takes the direction of its own first letters
 * (`dir="auto"`), and each line in it too (`unicode-bidi: plaintext`): a Persian reply reads right to left inside
 * an English screen, an English sentence left to right inside a Persian one.
 */
export function MessageBody({ body }: { body: string }) {
  return (
    <Stack gap={6} data-testid="ticket-message-body">
      {paragraphs(body).map((p, i) => (
        <Text
          // Paragraphs have no identity of their own; a body never changes once written.
          key={i}
          component="p"
          size="sm"
          dir="auto"
          m={0}
          style={{ whiteSpace: 'pre-wrap', unicodeBidi: 'plaintext', overflowWrap: 'anywhere' }}
        >
          {p}
        </Text>
      ))}
    </Stack>
  );
}
