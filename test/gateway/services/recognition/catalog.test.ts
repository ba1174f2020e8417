import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { candidates, loadCatalog } from '../../../../gateway/catalog.ts';
import { RECOGNITION_DEFAULTS } from '../../../../gateway/services/recognition/config.ts';

const LABELS = ['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot'];
const dir = mkdtempSync(join(tmpdir(), 'sg-catalog-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const product = (sku: string, category: string, stock: number[], embedding?: number[]) => ({
  sku,
  name: sku,
  category,
  colour: 'black',
  sizes: stock.map((s, i) => ({ size: String(38 + i), stock: s })),
  ...(embedding ? { embedding } : {}),
});

describe('product catalog', () => {
  it('maps every category of the sample catalog to products', async () => {
    const catalog = await loadCatalog(RECOGNITION_DEFAULTS.catalogPath, LABELS);
    for (const label of LABELS) expect(candidates(catalog, label).length).toBeGreaterThan(0);
  });

  it('refuses a catalog naming a category the model does not know', async () => {
    const path = join(dir, 'bad.json');
    writeFileSync(path, JSON.stringify({ version: 1, products: [product('X-1', 'Hat', [1])] }));
    await expect(loadCatalog(path, LABELS)).rejects.toThrow(/unknown category "Hat"/);
  });

  it('ranks by embedding similarity when products carry one, else by sizes in stock', async () => {
    const path = join(dir, 'ok.json');
    writeFileSync(
      path,
      JSON.stringify({ version: 1, products: [product('A', 'Coat', [1, 0, 0], [1, 0]), product('B', 'Coat', [1, 1, 1], [0, 1]), product('C', 'Bag', [1])] }),
    );
    const catalog = await loadCatalog(path, LABELS);
    expect(candidates(catalog, 'Coat').map((c) => c.sku)).toEqual(['B', 'A']);
    expect(candidates(catalog, 'Coat', [0.9, 0.1]).map((c) => c.sku)).toEqual(['A', 'B']);
    expect(candidates(catalog, 'Coat')[0]!.inStock).toEqual(['38', '39', '40']);
  });
});
