import { describe, expect, it } from 'vitest';
import { paragraphs } from './paragraphs.ts';

describe('paragraphs', () => {
  it('splits a body at blank lines and keeps the lines of a paragraph together', () => {
    expect(
      paragraphs('سلام مریم\nممنون از پیامتان.\n\nThe order number is 4471.\r\n\r\n\r\nبا احترام'),
    ).toEqual(['سلام مریم\nممنون از پیامتان.', 'The order number is 4471.', 'با احترام']);
  });

  it('drops blank paragraphs and trailing spaces, and keeps a body of one line whole', () => {
    expect(paragraphs('\n\n  \n\nOne line  \n \n')).toEqual(['One line']);
    expect(paragraphs('  indented first line')).toEqual(['  indented first line']);
    expect(paragraphs('')).toEqual([]);
  });
});
