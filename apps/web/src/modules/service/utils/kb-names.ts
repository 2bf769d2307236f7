import type { KbCategory, KbLocale } from './kb-api.ts';

const FALLBACK: readonly KbLocale[] = ['en', 'ar', 'fa'];

/** A name in the user's language, else the first language it has one in. */
export function nameIn(names: Partial<Record<KbLocale, string>>, locale: string): string {
  const own = names[locale as KbLocale];
  if (own) return own;
  for (const l of FALLBACK) if (names[l]) return names[l];
  return '';
}

/** A category's name, under its parent's ("Account › Passwords"), in the user's language. */
export function categoryName(category: KbCategory, all: readonly KbCategory[], locale: string): string {
  const parent = category.parentId ? all.find((c) => c.id === category.parentId) : undefined;
  const own = nameIn(category.names, locale);
  return parent ? `${nameIn(parent.names, locale)} › ${own}` : own;
}

/** Categories as a tree flattened: each top-level one by position, its children right after it. */
export function categoryTree(all: readonly KbCategory[]): { category: KbCategory; depth: 0 | 1 }[] {
  const byPosition = (a: KbCategory, b: KbCategory) => a.position - b.position || (a.id < b.id ? -1 : 1);
  const tops = all
    .filter((c) => c.parentId === null || !all.some((p) => p.id === c.parentId))
    .sort(byPosition);
  return tops.flatMap((top) => [
    { category: top, depth: 0 as const },
    ...all
      .filter((c) => c.parentId === top.id)
      .sort(byPosition)
      .map((category) => ({ category, depth: 1 as const })),
  ]);
}
