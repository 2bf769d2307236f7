import { call, client, type RecordData } from '../../../api/client.ts';

/** Every record matching a filter, page by page (a pipeline's deals, its stages). */
export async function listAll(object: string, filter: unknown, max = 5000): Promise<RecordData[]> {
  const out: RecordData[] = [];
  let cursor: string | undefined;
  do {
    const page = await call(
      client.GET('/api/v1/objects/{object}', {
        params: {
          path: { object },
          query: { limit: 1000, filter: JSON.stringify(filter), ...(cursor ? { cursor } : {}) },
        },
      }),
    );
    out.push(...(page.data as RecordData[]));
    cursor = page.nextCursor ?? undefined;
  } while (cursor && out.length < max);
  return out;
}
