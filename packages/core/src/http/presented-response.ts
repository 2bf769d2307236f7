// Responses whose records the gate has already shaped (`records/gate.ts` `present`): flat JSON values, hidden fields
// left out, dates as ISO text. The default serializer (fastify-type-provider-zod) encodes every response through its
// zod schema first, and for a list that walks and copies each key of each of its records through
// `z.record(z.string(), z.unknown())`, which checks nothing (any value is allowed): about 5% of a list request's CPU in
// the profile of 6 December (PERFORMANCE.md, "Where a list request's time goes"), plus the collector's share of the
// copies. A response schema marked here is written by picking the schema's own top-level keys (as zod's object
// would keep them, so nothing a handler adds beside them goes out) and `JSON.stringify`; its OpenAPI document is the
// schema's, unchanged.
import type { z } from 'zod';

const presented = new WeakSet<object>();

/** Marks a response schema as one of gate-shaped records: written without the zod encode (see above). */
export function presentedResponse<T extends z.ZodObject>(schema: T): T {
  presented.add(schema);
  return schema;
}

/** The serializer for a response schema marked by `presentedResponse`, or undefined for any other. */
export function presentedSerializer(schema: unknown): ((data: unknown) => string) | undefined {
  if (typeof schema !== 'object' || schema === null || !presented.has(schema)) return undefined;
  const keys = Object.keys((schema as z.ZodObject).shape);
  return (data) => {
    const source = data as Record<string, unknown>;
    const out: Record<string, unknown> = {};
    for (const key of keys) if (source[key] !== undefined) out[key] = source[key];
    return JSON.stringify(out);
  };
}
