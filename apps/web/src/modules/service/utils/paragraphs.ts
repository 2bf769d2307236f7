/**
 * A plain-text body split into its paragraphs (blank lines between them), each shown with a direction of its own:
 * a Persian reply quoting an English sentence reads each the right way. Lines within a paragraph stay as written.
 */
export function paragraphs(body: string): string[] {
  return body
    .replace(/\r\n?/g, '\n')
    .split(/\n[^\S\n]*\n\s*/)
    .map((p) => p.replace(/^\n+|\s+$/g, ''))
    .filter((p) => p.trim() !== '');
}
