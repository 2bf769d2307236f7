import { describe, expect, it } from 'vitest';
import { replyLinkOf, replyTextOf } from './kb-text.ts';

describe('an article as reply text', () => {
  it('keeps the words and addresses and drops the markup', () => {
    const md =
      '## مراحل\n\nبه **تنظیمات** بروید.\n\n![برچسب](kb-attachment:0190c1f2-0000-7000-8000-000000000001)\n\n' +
      'راهنما: [صفحه ارسال](https://example.com/shipping) و [پیوست](kb-attachment:0190c1f2-0000-7000-8000-000000000002)\n\n\n> نکته';
    expect(replyTextOf('ارسال مرسوله', md)).toBe(
      'ارسال مرسوله\n\nمراحل\n\nبه تنظیمات بروید.\n\nراهنما: صفحه ارسال (https://example.com/shipping) و پیوست\n\nنکته',
    );
  });

  it('gives the title alone for an empty body, and a link on its own line', () => {
    expect(replyTextOf('Returns', '  ')).toBe('Returns');
    expect(replyLinkOf('Returns', 'https://desk.example.com/kb/x/y/en')).toBe(
      'Returns\nhttps://desk.example.com/kb/x/y/en',
    );
  });
});
