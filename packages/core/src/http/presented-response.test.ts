import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { presentedResponse, presentedSerializer } from './presented-response.ts';

describe('responses of gate-shaped records', () => {
  const schema = presentedResponse(
    z.object({ data: z.array(z.record(z.string(), z.unknown())), nextCursor: z.string().nullable() }),
  );

  it('writes only the schema’s own keys, as zod’s object keeps them, and the records as they are', () => {
    const write = presentedSerializer(schema);
    expect(write).toBeDefined();
    const data = [
      {
        id: 'a',
        lastName: 'رضایی',
        score: 3,
        tags: ['x'],
        _expanded: { company: { id: 'c', title: 'پارس' } },
      },
    ];
    const text = write!({ data, nextCursor: null, internal: 'not for the caller', backCursor: undefined });
    expect(JSON.parse(text)).toEqual({ data, nextCursor: null });
    // The same as the zod encode writes for this response.
    expect(text).toBe(JSON.stringify(z.encode(schema, { data, nextCursor: null })));
  });

  it('leaves every other schema to the zod serializer', () => {
    expect(presentedSerializer(z.object({ data: z.array(z.unknown()) }))).toBeUndefined();
    expect(presentedSerializer(undefined)).toBeUndefined();
    expect(presentedSerializer({ type: 'object' })).toBeUndefined();
  });
});
