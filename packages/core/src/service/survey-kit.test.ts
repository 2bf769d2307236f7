import { describe, expect, it } from 'vitest';
import { followUpTitle } from './survey-kit.ts';

describe('follow-up task titles', () => {
  it('speak the reader’s language, with its digits', () => {
    expect(followUpTitle('csat', 'en', { rating: 2, ticketNumber: 1042 })).toBe(
      'Follow up: rating 2/5 on ticket #1042',
    );
    expect(followUpTitle('csat', 'fa', { rating: 1, ticketNumber: 1042 })).toBe(
      'پیگیری: امتیاز ۱ از ۵ برای تیکت شمارهٔ ۱۰۴۲',
    );
    expect(followUpTitle('nps', 'ar', { rating: 3, name: 'سامي حداد', ticketNumber: 7 })).toBe(
      'متابعة: درجة NPS ٣ من ١٠ — سامي حداد (التذكرة رقم ٧)',
    );
    expect(followUpTitle('nps', 'en', { rating: 0, name: '  ' })).toBe('Follow up: NPS 0/10 from a customer');
    expect(followUpTitle('nps', 'fa', { rating: 6 })).toBe('پیگیری: امتیاز NPS ۶ از ۱۰ — یک مشتری');
  });
});
