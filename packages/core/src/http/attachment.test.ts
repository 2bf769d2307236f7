import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import { contentDisposition, sendAttachment } from './attachment.ts';

describe('attachments', () => {
  it('names a Persian file for modern clients and gives old ones a plain fallback', () => {
    expect(contentDisposition('attachment', 'گزارش "فروش" ۱۴۰۴.csv')).toBe(
      `attachment; filename="_____ ______ ____.csv"; filename*=UTF-8''${encodeURIComponent('گزارش "فروش" ۱۴۰۴.csv')}`,
    );
    expect(contentDisposition('inline', "a'(b)*.png")).toBe(
      `inline; filename="a'(b)*.png"; filename*=UTF-8''a%27%28b%29%2A.png`,
    );
  });

  it('sends a stored file as a private download, with a header Node accepts for any name', async () => {
    const app = Fastify();
    app.get('/file', (_request, reply) =>
      sendAttachment(reply, { file: Buffer.from('a,b\n'), filename: 'تقرير.csv', contentType: 'text/csv' }),
    );
    const res = await app.inject({ url: '/file' });
    await app.close();
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('text/csv');
    expect(res.headers['cache-control']).toBe('private, no-store');
    expect(res.headers['content-disposition']).toBe(
      `attachment; filename="_____.csv"; filename*=UTF-8''${encodeURIComponent('تقرير.csv')}`,
    );
    expect(res.body).toBe('a,b\n');
  });
});
