import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { gtinIndex, loadCatalog, loadCatalogSync, readCatalogSync, validGtin } from '../../gateway/catalog.ts';

const MODELS = join(import.meta.dirname, '..', '..', 'models');
const LABELS = JSON.parse(readFileSync(join(MODELS, 'labels.json'), 'utf8')) as string[];
const dir = mkdtempSync(join(tmpdir(), 'sg-catalog-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const HEADER = 'sku,name,category,colour,style,size,stock';
const GOOD = ['SG-1,Wrap dress,Dress,green,wrap,S,2', 'SG-1,Wrap dress,Dress,green,wrap,M,0', 'SG-2,Wrap dress,Dress,black,wrap,S,1'];
const write = (name: string, text: string) => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};
const csv = (...lines: string[]) => `${lines.join('\n')}\n`;

describe('store catalog loader', () => {
  it('loads the JSON and the CSV sample to the same catalog', async () => {
    const json = await loadCatalog(join(MODELS, 'catalog.sample.json'), LABELS);
    const fromCsv = await loadCatalog(join(MODELS, 'catalog.sample.csv'), LABELS);
    expect(fromCsv).toEqual(json);
    expect(loadCatalogSync(join(MODELS, 'catalog.sample.csv'), LABELS)).toEqual(json);
    expect(json.products.length).toBeGreaterThan(20);
    expect(json.products.filter((p) => p.style === 'wrap-midi-dress').map((p) => p.sku)).toEqual(['SG-0301', 'SG-0303', 'SG-0304']);
  });

  it('reads a CSV with one row per product and size, in row order, and an optional style', () => {
    const path = write(
      'ok.csv',
      csv('sku,name,category,colour,size,stock', 'B-1,Tote,Bag,tan,one size,3', 'C-1,Parka,Coat,olive,S,0', 'C-1,Parka,Coat,olive,M,4'),
    );
    expect(loadCatalogSync(path, LABELS)).toEqual({
      version: 1,
      products: [
        { sku: 'B-1', name: 'Tote', category: 'Bag', colour: 'tan', sizes: [{ size: 'one size', stock: 3 }] },
        {
          sku: 'C-1',
          name: 'Parka',
          category: 'Coat',
          colour: 'olive',
          sizes: [
            { size: 'S', stock: 0 },
            { size: 'M', stock: 4 },
          ],
        },
      ],
    });
  });

  it.each([
    {
      why: 'stock is not a number',
      rows: [HEADER, ...GOOD, 'SG-3,Parka,Coat,olive,,M,lots'],
      error: 'bad.csv line 5: stock must be a non-negative integer (got "lots")',
    },
    { why: 'stock is negative', rows: [HEADER, 'SG-3,Parka,Coat,olive,,M,-1'], error: 'bad.csv line 2: stock must be a non-negative integer' },
    { why: 'stock is empty', rows: [HEADER, ...GOOD, 'SG-3,Parka,Coat,olive,,M,'], error: 'bad.csv line 5: stock must be a non-negative integer' },
    { why: 'the sku is empty', rows: [HEADER, ',Parka,Coat,olive,,M,1'], error: 'bad.csv line 2: sku is empty' },
    { why: 'the category is unknown', rows: [HEADER, ...GOOD, 'SG-3,Cap,Hat,red,,one,1'], error: 'bad.csv line 5: unknown category "Hat"' },
    {
      why: "a product's rows disagree",
      rows: [HEADER, ...GOOD, 'SG-2,Wrap dres,Dress,black,wrap,M,1'],
      error: 'bad.csv line 5: name of SG-2 is "Wrap dres" here but "Wrap dress"',
    },
    { why: 'a size is listed twice', rows: [HEADER, ...GOOD, 'SG-1,Wrap dress,Dress,green,wrap,S,5'], error: 'bad.csv line 5: SG-1 size S is listed twice' },
    { why: 'a style spans categories', rows: [HEADER, ...GOOD, 'SG-3,Wrap coat,Coat,green,wrap,M,1'], error: 'bad.csv line 5: style wrap is a Dress (SG-1)' },
    { why: 'a column is missing', rows: ['sku,name,category,colour,size', 'SG-3,Parka,Coat,olive,M'], error: 'bad.csv line 1: missing column stock' },
    { why: 'a column is unknown', rows: [`${HEADER},price`, 'SG-3,Parka,Coat,olive,,M,1,99'], error: 'bad.csv line 1: unknown column price' },
    { why: 'a row has too few fields', rows: [HEADER, ...GOOD, 'SG-3,Parka,Coat,olive,M,1'], error: /bad\.csv: .*line 5/ },
  ])('names the line and column of a bad CSV row: $why', ({ rows, error }) => {
    const path = write('bad.csv', csv(...rows));
    expect(() => loadCatalogSync(path, LABELS)).toThrow(error);
  });

  it('skips comment and blank lines but counts them in line numbers', () => {
    const path = write('comments.csv', csv('# a store catalog', HEADER, '', GOOD[0]!, 'SG-3,Parka,Coat,olive,,M,x'));
    expect(() => loadCatalogSync(path, LABELS)).toThrow('comments.csv line 5: stock must be a non-negative integer');
  });

  it.each([
    { why: 'the file is missing', name: 'nope.json', text: null, error: /nope\.json: cannot read it \(ENOENT\)/ },
    { why: 'the format is unknown', name: 'cat.xml', text: '<x/>', error: /unknown format "\.xml": use \.json or \.csv/ },
    { why: 'the JSON is broken', name: 'broken.json', text: '{"version": 1,', error: /broken\.json: not JSON/ },
    {
      why: 'a JSON stock is negative',
      name: 'neg.json',
      text: '{"version":1,"products":[{"sku":"A","name":"A","category":"Bag","colour":"","sizes":[{"size":"one","stock":-1}]}]}',
      error: /neg\.json: invalid catalog at \/products\/0\/sizes\/0\/stock/,
    },
    {
      why: 'a JSON category is unknown',
      name: 'hat.json',
      text: '{"version":1,"products":[{"sku":"A","name":"A","category":"Hat","colour":"","sizes":[{"size":"one","stock":1}]}]}',
      error: /hat\.json products\[0\]: unknown category "Hat"/,
    },
    {
      why: 'a JSON sku is listed twice',
      name: 'dup.json',
      text: JSON.stringify({
        version: 1,
        products: [0, 1].map(() => ({ sku: 'A', name: 'A', category: 'Bag', colour: '', sizes: [{ size: 'one', stock: 1 }] })),
      }),
      error: /dup\.json products\[1\]: sku A is listed twice \(first at products\[0\]\)/,
    },
  ])('refuses a bad catalog file with a clear error: $why', async ({ name, text, error }) => {
    const path = text === null ? join(dir, name) : write(name, text);
    expect(() => loadCatalogSync(path, LABELS)).toThrow(error);
    await expect(loadCatalog(path, LABELS)).rejects.toThrow(error);
  });

  it('merges the embeddings sidecar (<stem>.embeddings.json) by sku; an inline embedding wins; unknown skus are reported', () => {
    const path = write(
      'side.json',
      JSON.stringify({
        version: 2,
        products: [0, 1].map((i) => ({
          sku: `S-${i}`,
          name: 'Tote',
          category: 'Bag',
          colour: '',
          sizes: [{ size: 'one', stock: 1 }],
          ...(i ? { embedding: [9, 9] } : {}),
        })),
      }),
    );
    write('side.embeddings.json', JSON.stringify({ model: 'product-cnn-test', embeddings: { 'S-0': [1, 2], 'S-1': [3, 4], gone: [5, 6] } }));
    const r = readCatalogSync(path, LABELS);
    expect(r.catalog.products.map((p) => p.embedding)).toEqual([
      [1, 2],
      [9, 9],
    ]);
    expect(r).toMatchObject({ embeddingsModel: 'product-cnn-test', orphanEmbeddings: ['gone'] });
    write('side.embeddings.json', JSON.stringify({ model: 'm', embeddings: { 'S-0': [1, 2, 3] } }));
    expect(() => readCatalogSync(path, LABELS)).toThrow(/embeddings of different lengths/);
  });
});

describe('GTINs per size', () => {
  it('maps every GTIN of the sample catalog to one product and size, from JSON and CSV alike', () => {
    const json = loadCatalogSync(join(MODELS, 'catalog.sample.json'), LABELS);
    const index = gtinIndex(json);
    const sizes = json.products.flatMap((p) => p.sizes);
    expect(index.size).toBe(sizes.length);
    expect(sizes.every((s) => s.gtin && validGtin(s.gtin))).toBe(true);
    expect(index.get('04061234030122')).toEqual({ sku: 'SG-0301', size: 'M' });
  });

  it('reads a gtin column, pads GTIN-13s to 14 digits, and still loads a catalog without one', () => {
    const path = write('gtin.csv', csv(`${HEADER},gtin`, 'SG-1,Wrap dress,Dress,green,wrap,S,2,4006381333931', 'SG-1,Wrap dress,Dress,green,wrap,M,0,'));
    const c = loadCatalogSync(path, LABELS);
    expect(c.products[0]?.sizes).toEqual([
      { size: 'S', stock: 2, gtin: '04006381333931' },
      { size: 'M', stock: 0 },
    ]);
    expect(gtinIndex(c).get('04006381333931')).toEqual({ sku: 'SG-1', size: 'S' });
    expect(loadCatalogSync(write('old.csv', csv(HEADER, ...GOOD)), LABELS).products).toHaveLength(2);
  });

  it('refuses a wrong check digit and a GTIN given to two sizes, naming the line', () => {
    expect(() => loadCatalogSync(write('bad-check.csv', csv(`${HEADER},gtin`, 'SG-1,Wrap dress,Dress,green,wrap,S,2,4006381333932')), LABELS)).toThrow(
      /line 2: SG-1 size S: GTIN 04006381333932 has a wrong check digit/,
    );
    expect(() =>
      loadCatalogSync(
        write('twice.csv', csv(`${HEADER},gtin`, 'SG-1,Wrap dress,Dress,green,wrap,S,2,4006381333931', 'SG-2,Wrap dress,Dress,black,wrap,S,1,4006381333931')),
        LABELS,
      ),
    ).toThrow(/GTIN 04006381333931 is also SG-1 size S/);
    expect(() => loadCatalogSync(write('short.csv', csv(`${HEADER},gtin`, 'SG-1,Wrap dress,Dress,green,wrap,S,2,123')), LABELS)).toThrow(
      /8, 12, 13 or 14 digits/,
    );
  });
});
