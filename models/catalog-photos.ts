/**
 * Writes the sample catalog's product photos, models/catalog-photos/<sku>.png: Fashion-MNIST *train* images (the
 * t10k set is kept for tests and evaluation), 28x28 greyscale as in the dataset. Deterministic: the n-th style of
 * a category (in catalog order; a product without a style is its own) gets the n-th train image of that category.
 * Products sharing a style are one garment in other colours, so they share its photo (greyscale has no colour).
 *
 *   npx tsx models/catalog-photos.ts [--catalog models/catalog.sample.json] [--out models/catalog-photos]
 *   then: npx storegate catalog embed
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { loadCatalogSync } from '../gateway/catalog.ts';
import { DEBIAN_FASHION_MNIST, pngOf, readIdx } from './camera-frames.ts';

const MODELS = import.meta.dirname;
const { values } = parseArgs({
  options: { catalog: { type: 'string', default: join(MODELS, 'catalog.sample.json') }, out: { type: 'string', default: join(MODELS, 'catalog-photos') } },
});
const labels = JSON.parse(readFileSync(join(MODELS, 'labels.json'), 'utf8')) as string[];
const catalog = loadCatalogSync(values.catalog, labels);
const train = readIdx(`${DEBIAN_FASHION_MNIST}train-images-idx3-ubyte.gz`, `${DEBIAN_FASHION_MNIST}train-labels-idx1-ubyte.gz`);

/** category → train indices of that category, in dataset order */
const byLabel = labels.map((_, c) => train.labels.flatMap((l, i) => (l === c ? [i] : [])));
const styleImage = new Map<string, number>();
const used = labels.map(() => 0);
mkdirSync(values.out, { recursive: true });
for (const p of catalog.products) {
  const key = p.style ? `style:${p.style}` : `sku:${p.sku}`;
  let index = styleImage.get(key);
  if (index === undefined) {
    const c = labels.indexOf(p.category);
    index = byLabel[c]![used[c]!++]!;
    styleImage.set(key, index);
  }
  writeFileSync(join(values.out, `${p.sku}.png`), await pngOf(train.images[index]!));
  console.log(`${p.sku} ${p.category}: train image ${index}`);
}
