import { describe, expect, it } from 'vitest';
import { ar } from '../src/i18n/ar.ts';
import { en } from '../src/i18n/en.ts';
import { fa } from '../src/i18n/fa.ts';

type Tree = { [key: string]: string | Tree };

function leaves(tree: Tree, prefix = ''): Map<string, string> {
  const out = new Map<string, string>();
  for (const [key, value] of Object.entries(tree)) {
    const path = prefix ? `${prefix}.${key}` : key;
    if (typeof value === 'string') out.set(path, value);
    else for (const [k, v] of leaves(value, path)) out.set(k, v);
  }
  return out;
}

// Strings that are the same in every language: names of languages, formats, product names, placeholders.
const SAME_EVERYWHERE = new Set(['language.en', 'language.ar', 'language.fa', 'record.none']);

describe('translations', () => {
  const english = leaves(en as unknown as Tree);
  for (const [name, dictionary] of [
    ['Arabic', ar],
    ['Persian', fa],
  ] as const) {
    it(`${name} has every English key, no extra one, and no string left in English`, () => {
      const other = leaves(dictionary as unknown as Tree);
      expect([...other.keys()].sort()).toEqual([...english.keys()].sort());
      const untranslated = [...english].filter(
        // Placeholders alone ("{{field}}: {{to}}") are no words to translate.
        ([key, text]) =>
          !SAME_EVERYWHERE.has(key) &&
          /[a-z]{3,}/i.test(text.replace(/\{\{\w+\}\}/g, '')) &&
          other.get(key) === text,
      );
      expect(untranslated).toEqual([]);
      for (const [key, text] of english) {
        const placeholders = (s: string) => [...s.matchAll(/\{\{(\w+)\}\}/g)].map((m) => m[1]).sort();
        expect(placeholders(other.get(key) ?? ''), key).toEqual(placeholders(text));
      }
    });
  }
});
