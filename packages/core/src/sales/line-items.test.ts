import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  apiCaller,
  createTestApp,
  joinByInvitation,
  signUp,
  type TestApp,
} from '../../../../test/harness.ts';

interface Lines {
  currency: string;
  amount: string | null;
  lines: { id: string; quantity: string; unitPrice: string; total: string; productId: string | null }[];
}

describe('products, price books and deal line items', () => {
  let t: TestApp;
  let admin: Awaited<ReturnType<typeof signUp>>;
  let other: Awaited<ReturnType<typeof signUp>>;
  let viewer: { userId: string; cookie: string };
  let member: { userId: string; cookie: string };
  const call = apiCaller(
    () => t.app,
    () => admin.cookie,
  );
  const newDeal = async (amount?: { amount: string; currency: string }) => {
    const res = await call('POST', '/objects/deals', { name: 'Licences', ...(amount ? { amount } : {}) });
    expect(res.statusCode, res.body).toBe(201);
    return res.json().id as string;
  };
  const amountOf = async (id: string) => (await call('GET', `/objects/deals/${id}`)).json().amount;

  beforeAll(async () => {
    t = await createTestApp({ RABITA_OPEN_SIGNUP: 'true' });
    admin = await signUp(t.app);
    other = await signUp(t.app);
    viewer = await joinByInvitation(t.app, admin.cookie, {
      email: `viewer.${admin.workspaceId.slice(0, 8)}@example.com`,
      role: 'viewer',
      name: 'Viewer',
    });
    member = await joinByInvitation(t.app, admin.cookie, {
      email: `member.${admin.workspaceId.slice(0, 8)}@example.com`,
      role: 'member',
      name: 'Member',
    });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('rounds each line to its currency’s digits: none for rials, three for Kuwaiti dinars', async () => {
    const rials = await newDeal({ amount: '1', currency: 'IRR' });
    const inRials = await call('POST', `/deals/${rials}/line-items`, {
      quantity: '3',
      unitPrice: '33333.5',
      taxPct: '9',
    });
    expect(inRials.statusCode, inRials.body).toBe(201);
    // 100,000.5 × 1.09 = 109,000.545: whole rials.
    expect(inRials.json()).toMatchObject({ currency: 'IRR', amount: '109001' });
    expect((inRials.json() as Lines).lines[0]!.total).toBe('109001');
    const dinars = await newDeal({ amount: '1', currency: 'KWD' });
    const inDinars = await call('POST', `/deals/${dinars}/line-items`, {
      quantity: '3',
      unitPrice: '1.2345',
      discountPct: '10',
    });
    // 3.7035 × 0.9 = 3.33315: to the fils (three places), not to two.
    expect(inDinars.json()).toMatchObject({ currency: 'KWD', amount: '3.333' });
    expect(await amountOf(dinars)).toEqual({ amount: '3.333', currency: 'KWD' });
  });

  it('computes the deal amount from its lines exactly: 3 × 33.33 with 9% tax is 108.99', async () => {
    const deal = await newDeal({ amount: '1', currency: 'SAR' });
    const added = await call('POST', `/deals/${deal}/line-items`, {
      quantity: '3',
      unitPrice: '33.33',
      taxPct: '9',
    });
    expect(added.statusCode, added.body).toBe(201);
    // 99.99 × 1.09 = 108.9891, rounded to cents.
    expect(added.json()).toMatchObject({ currency: 'SAR', amount: '108.99' });
    expect(await amountOf(deal)).toEqual({ amount: '108.99', currency: 'SAR' });
    // 0.1 × 3 with 10% discount: 0.27, never 0.27000000000000004.
    const second = await call('POST', `/deals/${deal}/line-items`, {
      quantity: 3,
      unitPrice: '0.1',
      discountPct: '10',
    });
    expect((second.json() as Lines).amount).toBe('109.26');
    const line = (second.json() as Lines).lines[0]!;
    const changed = await call('PATCH', `/deals/${deal}/line-items/${line.id}`, { quantity: '1' });
    expect(changed.statusCode, changed.body).toBe(200);
    expect((changed.json() as Lines).amount).toBe('36.60'); // 36.33 + 0.27
    expect(await amountOf(deal)).toEqual({ amount: '36.60', currency: 'SAR' });
    // While it has lines the amount is theirs: a hand edit is refused, saving the same amount again passes.
    const byHand = await call('PATCH', `/objects/deals/${deal}`, {
      amount: { amount: '5', currency: 'SAR' },
    });
    expect(byHand.statusCode).toBe(409);
    expect(byHand.json().detail).toContain('line items');
    const same = await call('PATCH', `/objects/deals/${deal}`, {
      name: 'Renamed',
      amount: { amount: '36.6', currency: 'SAR' },
    });
    expect(same.statusCode, same.body).toBe(200);
    // Removing a line: the amount follows the lines that remain.
    const removed = await call('DELETE', `/deals/${deal}/line-items/${line.id}`);
    expect((removed.json() as Lines).amount).toBe('0.27');
    expect(await amountOf(deal)).toEqual({ amount: '0.27', currency: 'SAR' });
  });

  it('prices a line from the default price book in the deal’s currency', async () => {
    const product = await call('POST', '/products', {
      name: { en: 'Seat', ar: 'مقعد', fa: 'صندلی' },
      sku: 'SEAT-1',
    });
    expect(product.statusCode, product.body).toBe(201);
    const productId = product.json().id as string;
    expect((await call('POST', '/products', { name: { en: 'Again' }, sku: 'seat-1' })).statusCode).toBe(409);
    const book = await call('POST', '/price-books', {
      name: 'List',
      prices: [
        { productId, currency: 'SAR', price: '375.50' },
        { productId, currency: 'USD', price: '100' },
      ],
    });
    expect(book.statusCode, book.body).toBe(201);
    expect(book.json()).toMatchObject({ isDefault: true });
    const deal = await newDeal({ amount: '0', currency: 'SAR' });
    const added = await call('POST', `/deals/${deal}/line-items`, { productId, quantity: '2' });
    expect(added.statusCode, added.body).toBe(201);
    expect(added.json()).toMatchObject({ amount: '751.00', lines: [{ productId, unitPrice: '375.5' }] });
    // No EGP price: the caller is told to give one.
    const egp = await newDeal({ amount: '0', currency: 'EGP' });
    const missing = await call('POST', `/deals/${egp}/line-items`, { productId, quantity: '1' });
    expect(missing.statusCode).toBe(400);
    expect(missing.json().detail).toContain('EGP');
    // A product no longer sold is refused on new lines.
    expect((await call('PATCH', `/products/${productId}`, { active: false })).statusCode).toBe(200);
    expect((await call('POST', `/deals/${deal}/line-items`, { productId, quantity: '1' })).statusCode).toBe(
      400,
    );
  });

  it('refuses negative quantities, huge numbers, NUL and percentages over 100', async () => {
    const deal = await newDeal();
    for (const body of [
      { quantity: '-1', unitPrice: '1' },
      { quantity: '0', unitPrice: '1' },
      { quantity: '1', unitPrice: '-5' },
      { quantity: '1', unitPrice: '1e999' },
      { quantity: '99999999999999999999999', unitPrice: '1' },
      { quantity: '1', unitPrice: '1.123456' },
      { quantity: '1\u0000', unitPrice: '1' },
      { quantity: '1', unitPrice: '1', taxPct: '100.5' },
      { quantity: '1', unitPrice: '1', discountPct: '-1' },
      { unitPrice: '1' },
    ]) {
      const res = await call('POST', `/deals/${deal}/line-items`, body);
      expect(res.statusCode, JSON.stringify(body)).toBe(400);
    }
    expect((await call('POST', '/products', { name: { en: 'x\u0000' } })).statusCode).toBe(400);
    expect((await call('POST', '/products', { name: {} })).statusCode).toBe(400);
    expect((await call('GET', `/deals/${deal}/line-items`)).json()).toMatchObject({
      amount: null,
      lines: [],
    });
  });

  it('checks permissions and keeps workspaces apart', async () => {
    const deal = await newDeal({ amount: '10', currency: 'USD' });
    expect((await call('POST', '/products', { name: { en: 'P' } }, member.cookie)).statusCode).toBe(403);
    expect((await call('POST', '/price-books', { name: 'B', prices: [] }, member.cookie)).statusCode).toBe(
      403,
    );
    expect(
      (await call('POST', `/deals/${deal}/line-items`, { quantity: '1', unitPrice: '1' }, viewer.cookie))
        .statusCode,
    ).toBe(403);
    expect((await call('GET', `/deals/${deal}/line-items`, undefined, viewer.cookie)).statusCode).toBe(200);
    const byMember = await call(
      'POST',
      `/deals/${deal}/line-items`,
      { quantity: '1', unitPrice: '5' },
      member.cookie,
    );
    expect(byMember.statusCode, byMember.body).toBe(201);
    // Another workspace cannot see or change this deal's lines, nor this workspace's products.
    expect((await call('GET', `/deals/${deal}/line-items`, undefined, other.cookie)).statusCode).toBe(404);
    expect(
      (await call('POST', `/deals/${deal}/line-items`, { quantity: '1', unitPrice: '1' }, other.cookie))
        .statusCode,
    ).toBe(404);
    expect((await call('GET', '/products', undefined, other.cookie)).json().data).toEqual([]);
    expect(await amountOf(deal)).toEqual({ amount: '5.00', currency: 'USD' });
  });
});
