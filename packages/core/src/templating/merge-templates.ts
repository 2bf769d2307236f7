import { Liquid } from 'liquidjs';
import { escapeHtml } from '../http/escape-html.ts';

// The one template engine of texts with merge fields (email templates, the service desk's canned replies and
// macros): Liquid, bounded so a hostile template cannot run long or grow large, reading only a context's own
// properties. Each engine has one escaping rule, applied to every merged value.

const limits = {
  parseLimit: 200_000,
  renderLimit: 500,
  memoryLimit: 10_000_000,
  ownPropertyOnly: true,
} as const;

/**
 * HTML: every merged value escaped and wrapped in `<bdi>`, so an Arabic name in an English sentence (or the reverse)
 * keeps its own direction and cannot inject markup.
 */
export const htmlEngine = new Liquid({
  ...limits,
  outputEscape: (value: unknown) => `<bdi>${escapeHtml(String(value ?? ''))}</bdi>`,
});

/**
 * Plain text (subjects, a ticket's replies and notes): merged values isolated with FSI … PDI, their line breaks made
 * spaces, so a value can neither turn the sentence around it nor add lines of its own.
 */
export const textEngine = new Liquid({
  ...limits,
  outputEscape: (value: unknown) => `\u2068${String(value ?? '').replace(/[\r\n]+/g, ' ')}\u2069`,
});

/** Why a template does not parse (its first line), or undefined when it does. */
export function templateProblem(engine: Liquid, source: string): string | undefined {
  try {
    engine.parse(source);
    return undefined;
  } catch (error) {
    return `Not a valid template: ${(error as Error).message.split('\n')[0]}`;
  }
}
