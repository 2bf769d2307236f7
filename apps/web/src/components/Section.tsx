import { Card, Title } from '@mantine/core';
import type { ReactNode } from 'react';

/** A titled card: one part of a settings tab. */
export function Section({ title, children }: { title: string; children: ReactNode }) {
  return (
    <Card withBorder padding="md">
      <Title order={3} size="h5" mb="sm">
        {title}
      </Title>
      {children}
    </Card>
  );
}
