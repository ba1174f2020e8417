import { describe, expect, it } from 'vitest';
import { goesWith, learnCoOccurrence, orderOnline, otherColours, otherSizes, similar, suggestAll } from '../../../../gateway/services/fitting/suggest.ts';
import type { Catalog, Product } from '../../../../gateway/catalog.ts';

const p = (sku: string, category: string, sizes: Record<string, number>): Product => ({
  sku,
  name: `Item ${sku}`,
  category,
  colour: 'black',
  sizes: Object.entries(sizes).map(([size, stock]) => ({ size, stock })),
});
const dress = p('D1', 'Dress', { S: 2, M: 0, L: 1 });
const catalog: Catalog = {
  version: 1,
  products: [
    dress,
    p('D2', 'Dress', { M: 3 }),
    p('D3', 'Dress', { M: 0 }),
    p('SA1', 'Sandal', { 40: 1 }),
    p('SA2', 'Sandal', { 40: 0 }),
    p('B1', 'Bag', { one: 1 }),
    p('C1', 'Coat', { M: 1 }),
    p('SN1', 'Sneaker', { 41: 4 }),
  ],
};

describe('suggestions', () => {
  it.each([
    { current: undefined, sizes: ['S', 'L'] },
    { current: 'S', sizes: ['L'] },
  ])('offers the same product only in sizes in stock (current $current)', ({ current, sizes }) => {
    expect(otherSizes(dress, current).map((s) => s.size)).toEqual(sizes);
    expect(otherSizes(dress, current)[0]?.reason).toBe(`also in ${sizes[0]}`);
  });

  it('ranks "goes with" by the outfit rules when there is no history, in-stock items only', () => {
    const r = goesWith(catalog, dress, new Map(), 3);
    expect(r.map((s) => s.sku)).toEqual(['SA1', 'B1', 'C1']);
    expect(r[0]?.reason).toBe('goes with your dress');
  });

  it('puts items tried together in past sessions first: seeded sessions change the ranking', () => {
    const history = learnCoOccurrence([
      ['D1', 'SN1'],
      ['D1', 'SN1', 'C1'],
      ['D2', 'B1'],
    ]);
    const r = goesWith(catalog, dress, history, 3);
    expect(r.map((s) => s.sku)).toEqual(['SN1', 'C1', 'SA1']);
    expect(r[0]?.reason).toBe('often tried with the item d1');
  });

  it('is deterministic for the same catalog and history', () => {
    const h = learnCoOccurrence([['D1', 'B1']]);
    expect(goesWith(catalog, dress, h)).toEqual(goesWith(catalog, dress, h));
  });

  it('suggests similar items of the same category that are in stock', () => {
    expect(similar(catalog, dress).map((s) => s.sku)).toEqual(['D2']);
  });

  describe('colours (products sharing a style)', () => {
    const styled = (sku: string, colour: string, stock: number, style = 'wrap', category = 'Dress'): Product => ({
      ...p(sku, category, { S: stock }),
      name: 'Wrap dress',
      colour,
      style,
    });
    const wrap = styled('W1', 'green', 1);
    const colours: Catalog = {
      version: 1,
      products: [
        wrap,
        styled('W3', 'rust', 0),
        styled('W2', 'black', 2),
        styled('W4', 'navy', 1),
        styled('T1', 'black', 1, 'tee', 'T-shirt/top'),
        p('D9', 'Dress', { S: 1 }),
      ],
    };

    it('offers the same garment in its other colours, only those in stock, with "also in <colour>"', () => {
      expect(otherColours(colours, wrap)).toEqual([
        { sku: 'W2', name: 'Wrap dress', category: 'Dress', colour: 'black', reason: 'also in black', why: { key: 'colour', arg: 'black' }, inStock: ['S'] },
        { sku: 'W4', name: 'Wrap dress', category: 'Dress', colour: 'navy', reason: 'also in navy', why: { key: 'colour', arg: 'navy' }, inStock: ['S'] },
      ]);
      expect(otherColours(colours, p('D9', 'Dress', { S: 1 }))).toEqual([]);
      expect(suggestAll(colours, wrap, new Map()).colours.map((s) => s.reason)).toEqual(['also in black', 'also in navy']);
    });

    it("keeps a garment's own colours out of similar, and shows another garment once whatever its colours", () => {
      expect(similar(colours, wrap).map((s) => s.sku)).toEqual(['D9']);
      expect(similar(colours, colours.products[5]!).map((s) => s.sku)).toEqual(['W1']);
      expect(goesWith(colours, p('SA9', 'Sandal', { 40: 1 }), new Map()).map((s) => s.sku)).toEqual(['D9', 'W1', 'T1']);
    });
  });

  it("ranks similar items by cosine similarity to the frame embedding when given, else to the product's own; ties by sku", () => {
    const e = (sku: string, embedding: number[]): Product => ({ ...p(sku, 'Bag', { one: 1 }), embedding });
    const held = e('B0', [1, 0, 0]);
    const bags: Catalog = { version: 1, products: [held, e('B3', [0, 1, 0]), e('B2', [0.9, 0.1, 0]), e('B1', [0, 1, 0]), e('B4', [0, 0, 1])] };
    expect(similar(bags, held, 4).map((s) => s.sku)).toEqual(['B2', 'B1', 'B3', 'B4']);
    expect(similar(bags, held, 4, [0, 0.2, 1]).map((s) => s.sku)).toEqual(['B4', 'B1', 'B3', 'B2']);
    expect(suggestAll(bags, held, new Map(), 2, [0, 0, 1]).similar.map((s) => s.sku)).toEqual(['B4', 'B1']);
    expect(similar(bags, held)[0]?.reason).toBe('similar: Item B2');
  });

  it.each([
    { size: 'M', lockers: true, offer: { delivery: ['home', 'locker'], reason: 'M is not in store: order online, home delivery or a free locker here' } },
    { size: 'M', lockers: false, offer: { delivery: ['home'] } },
    { size: 'S', lockers: true, offer: null },
    { size: 'XXL', lockers: true, offer: null },
  ])('offers to order $size online only when it is out of stock (lockers: $lockers)', ({ size, lockers, offer }) => {
    const r = orderOnline(dress, size, lockers);
    if (offer === null) expect(r).toBeNull();
    else expect(r).toMatchObject({ sku: 'D1', size, ...offer });
  });
});
