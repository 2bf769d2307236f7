import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { contextOf, problemSchema, type RouteDeps, text } from '../http/route-kit.ts';
import { addLineItem, deleteLineItem, listLineItems, updateLineItem } from './line-items.service.ts';
import {
  createProduct,
  listPriceBooks,
  listProducts,
  savePriceBook,
  updateProduct,
} from './products.service.ts';

const tags = ['sales'];
const auth = { auth: 'required' } as const;
const manage = { auth: 'required', permission: 'sales.products.manage' } as const;
const problems = {
  400: problemSchema,
  401: problemSchema,
  403: problemSchema,
  404: problemSchema,
  409: problemSchema,
};
const decimalInput = z
  .union([z.string().max(64), z.number()])
  .describe('An exact decimal, best as a string ("33.33").');
const names = z
  .object({ en: text(200).optional(), ar: text(200).optional(), fa: text(200).optional() })
  .strict();
const productSchema = z
  .object({
    id: z.string(),
    name: z.object({ en: z.string().optional(), ar: z.string().optional(), fa: z.string().optional() }),
    sku: z.string().nullable(),
    active: z.boolean(),
  })
  .meta({ id: 'Product' });
const priceBookSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    isDefault: z.boolean(),
    prices: z.array(z.object({ productId: z.string(), currency: z.string(), price: z.string() })),
  })
  .meta({ id: 'PriceBook' });
const priceBookBody = z
  .object({
    name: text(200),
    isDefault: z.boolean().optional(),
    prices: z
      .array(z.object({ productId: z.uuid(), currency: z.string().max(8), price: decimalInput }).strict())
      .max(5000),
  })
  .strict();
const linesSchema = z
  .object({
    dealId: z.string(),
    currency: z.string(),
    amount: z.string().nullable(),
    lines: z.array(
      z.object({
        id: z.string(),
        productId: z.string().nullable(),
        quantity: z.string(),
        unitPrice: z.string(),
        discountPct: z.string(),
        taxPct: z.string(),
        total: z.string(),
      }),
    ),
  })
  .meta({ id: 'DealLineItems' });
const lineBody = z
  .object({
    productId: z.uuid().nullable().optional(),
    quantity: decimalInput.optional(),
    unitPrice: decimalInput.optional(),
    discountPct: decimalInput.optional(),
    taxPct: decimalInput.optional(),
  })
  .strict();
const dealParams = z.object({ id: z.uuid() });
const lineParams = z.object({ id: z.uuid(), lineId: z.uuid() });

/** Products, price books (a price per product and currency) and deals' line items. */
export const productsRoutes: FastifyPluginAsyncZod<RouteDeps> = async (app, { db }) => {
  app.get(
    '/products',
    {
      config: auth,
      schema: {
        tags,
        summary: 'Products, active first',
        response: { 200: z.object({ data: z.array(productSchema) }), ...problems },
      },
    },
    async (request) => ({ data: await listProducts(contextOf(db, request)) }),
  );
  app.post(
    '/products',
    {
      config: manage,
      schema: {
        tags,
        summary: 'Add a product (named in at least one of en, ar, fa)',
        body: z
          .object({ name: names, sku: text(100).nullable().optional(), active: z.boolean().optional() })
          .strict(),
        response: { 201: productSchema, ...problems },
      },
    },
    async (request, reply) => reply.code(201).send(await createProduct(contextOf(db, request), request.body)),
  );
  app.patch(
    '/products/:id',
    {
      config: manage,
      schema: {
        tags,
        summary: 'Rename a product, change its SKU or stop selling it',
        params: dealParams,
        body: z
          .object({
            name: names.optional(),
            sku: text(100).nullable().optional(),
            active: z.boolean().optional(),
          })
          .strict(),
        response: { 200: productSchema, ...problems },
      },
    },
    async (request) => updateProduct(contextOf(db, request), request.params.id, request.body),
  );
  app.get(
    '/price-books',
    {
      config: auth,
      schema: {
        tags,
        summary: 'Price books with their prices, the default first',
        response: { 200: z.object({ data: z.array(priceBookSchema) }), ...problems },
      },
    },
    async (request) => ({ data: await listPriceBooks(contextOf(db, request)) }),
  );
  app.post(
    '/price-books',
    {
      config: manage,
      schema: {
        tags,
        summary: 'Add a price book with its prices',
        body: priceBookBody,
        response: { 201: priceBookSchema, ...problems },
      },
    },
    async (request, reply) =>
      reply.code(201).send(await savePriceBook(contextOf(db, request), undefined, request.body)),
  );
  app.put(
    '/price-books/:id',
    {
      config: manage,
      schema: {
        tags,
        summary: 'Replace a price book’s name and all its prices',
        params: dealParams,
        body: priceBookBody,
        response: { 200: priceBookSchema, ...problems },
      },
    },
    async (request) => savePriceBook(contextOf(db, request), request.params.id, request.body),
  );
  app.get(
    '/deals/:id/line-items',
    {
      config: auth,
      schema: {
        tags,
        summary: 'A deal’s line items and the amount they make',
        params: dealParams,
        response: { 200: linesSchema, ...problems },
      },
    },
    async (request) => listLineItems(contextOf(db, request), request.params.id),
  );
  app.post(
    '/deals/:id/line-items',
    {
      config: auth,
      schema: {
        tags,
        summary: 'Add a line; the deal’s amount becomes the sum of its lines',
        params: dealParams,
        body: lineBody,
        response: { 201: linesSchema, ...problems },
      },
    },
    async (request, reply) =>
      reply.code(201).send(await addLineItem(contextOf(db, request), request.params.id, request.body)),
  );
  app.patch(
    '/deals/:id/line-items/:lineId',
    {
      config: auth,
      schema: {
        tags,
        summary: 'Change a line; the deal’s amount follows',
        params: lineParams,
        body: lineBody,
        response: { 200: linesSchema, ...problems },
      },
    },
    async (request) =>
      updateLineItem(contextOf(db, request), request.params.id, request.params.lineId, request.body),
  );
  app.delete(
    '/deals/:id/line-items/:lineId',
    {
      config: auth,
      schema: {
        tags,
        summary: 'Remove a line; the amount follows the remaining lines',
        params: lineParams,
        response: { 200: linesSchema, ...problems },
      },
    },
    async (request) => deleteLineItem(contextOf(db, request), request.params.id, request.params.lineId),
  );
};
