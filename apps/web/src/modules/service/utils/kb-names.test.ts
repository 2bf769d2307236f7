import { describe, expect, it } from 'vitest';
import type { KbCategory } from './kb-api.ts';
import { categoryName, categoryTree, nameIn } from './kb-names.ts';

const category = (
  id: string,
  names: KbCategory['names'],
  parentId: string | null,
  position: number,
): KbCategory => ({
  id,
  names,
  parentId,
  position,
  createdAt: '2026-01-01T00:00:00Z',
  updatedAt: '2026-01-01T00:00:00Z',
});

describe('knowledge-base category names', () => {
  const account = category('a', { en: 'Account', fa: 'حساب کاربری' }, null, 1);
  const shipping = category('s', { ar: 'الشحن' }, null, 0);
  const passwords = category('p', { fa: 'رمز عبور' }, 'a', 0);
  const all = [passwords, account, shipping];

  it('names a category in the user’s language, else in the first language it has', () => {
    expect(nameIn(account.names, 'fa')).toBe('حساب کاربری');
    expect(nameIn(shipping.names, 'en')).toBe('الشحن');
    expect(categoryName(passwords, all, 'fa')).toBe('حساب کاربری › رمز عبور');
  });

  it('orders top-level categories by position with their children after each', () => {
    expect(categoryTree(all).map((n) => [n.category.id, n.depth])).toEqual([
      ['s', 0],
      ['a', 0],
      ['p', 1],
    ]);
  });
});
