import type { components } from '../../../api/schema.gen.ts';
import type { Locale } from '../../../i18n/index.ts';

/** Query keys of products, price books, exchange rates and a deal's line items (under the sales module's). */
export const productsKeys = {
  products: ['kanban', 'products'] as const,
  priceBooks: ['kanban', 'price-books'] as const,
  rates: ['kanban', 'exchange-rates'] as const,
  lines: (dealId: string) => ['kanban', 'line-items', dealId] as const,
};

type Product = components['schemas']['Product'];

/** A product's name in the user's language, else English, Arabic or Persian, whichever it has. */
export function productName(product: Product, locale: Locale): string {
  return product.name[locale] ?? product.name.en ?? product.name.ar ?? product.name.fa ?? product.sku ?? '';
}
