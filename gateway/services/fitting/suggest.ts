import type { OrderOnline, ProductView, Suggestion, Suggestions } from '../../../devices/smart-mirror/messages.ts';
import { bySku, type Catalog, cosine, inStock, type Product } from '../../catalog.ts';

/**
 * The suggestions engine: pure functions over the store catalog and the store's own fitting-room history.
 * Deterministic: same catalog + same history → same answer (ties broken by sku).
 */

/** sku → (other sku → number of past sessions in which both were tried) */
export type CoOccurrence = Map<string, Map<string, number>>;

/** Outfit rules per category: what goes with it, best first. Categories are the model's labels. */
export const OUTFIT_RULES: Record<string, string[]> = {
  'T-shirt/top': ['Trouser', 'Sneaker', 'Coat', 'Bag'],
  Trouser: ['Shirt', 'T-shirt/top', 'Pullover', 'Ankle boot'],
  Pullover: ['Trouser', 'Shirt', 'Ankle boot', 'Coat'],
  Dress: ['Sandal', 'Bag', 'Coat', 'Ankle boot'],
  Coat: ['Pullover', 'Trouser', 'Ankle boot', 'Bag'],
  Sandal: ['Dress', 'Bag', 'T-shirt/top'],
  Shirt: ['Trouser', 'Pullover', 'Sneaker', 'Coat'],
  Sneaker: ['Trouser', 'T-shirt/top', 'Shirt'],
  Bag: ['Dress', 'Coat', 'Sandal'],
  'Ankle boot': ['Trouser', 'Coat', 'Dress'],
};

/** One session in the history: the skus tried in it. */
export function learnCoOccurrence(sessions: Iterable<Iterable<string>>): CoOccurrence {
  const m: CoOccurrence = new Map();
  for (const s of sessions) {
    const skus = [...new Set(s)];
    for (const a of skus)
      for (const b of skus) {
        if (a === b) continue;
        const row = m.get(a) ?? new Map<string, number>();
        row.set(b, (row.get(b) ?? 0) + 1);
        m.set(a, row);
      }
  }
  return m;
}

export const findProduct = (catalog: Catalog, sku: string) => catalog.products.find((p) => p.sku === sku);
const noun = (category: string) => category.split('/')[0]!.toLowerCase();
/** products sharing a style are one garment in other colours: a list shows the garment once (its first entry) */
function oncePerStyle<T extends { o: Product }>(ranked: T[]): T[] {
  const seen = new Set<string>();
  return ranked.filter(({ o }) => {
    if (!o.style) return true;
    if (seen.has(o.style)) return false;
    seen.add(o.style);
    return true;
  });
}
const suggestion = (o: Product, reason: string, why: NonNullable<Suggestion['why']>): Suggestion => ({
  sku: o.sku,
  name: o.name,
  category: o.category,
  colour: o.colour,
  reason,
  why,
  inStock: inStock(o),
});

export function productView(p: Product): ProductView {
  return { sku: p.sku, name: p.name, category: p.category, colour: p.colour, sizes: p.sizes.map((s) => ({ size: s.size, inStock: s.stock > 0 })) };
}

/** (1) the same product in the other sizes the store has now */
export function otherSizes(p: Product, currentSize?: string): Suggestions['sizes'] {
  return p.sizes.filter((s) => s.stock > 0 && s.size !== currentSize).map((s) => ({ size: s.size, reason: `also in ${s.size}` }));
}

/** (1b) the same garment in the other colours the store has now (products sharing its style), by sku */
export function otherColours(catalog: Catalog, p: Product, limit = 3): Suggestion[] {
  if (!p.style) return [];
  return catalog.products
    .filter((o) => o.style === p.style && o.sku !== p.sku && inStock(o).length > 0)
    .sort(bySku)
    .slice(0, limit)
    .map((o) => suggestion(o, `also in ${o.colour}`, { key: 'colour', arg: o.colour }));
}

/**
 * (2) what goes with it: in-stock products of other categories, ranked by how often they were tried together
 * in this store (co-occurrence) first, then by the outfit rules for the item's category. Items with neither
 * are not suggested.
 */
export function goesWith(catalog: Catalog, p: Product, history: CoOccurrence, limit = 3): Suggestion[] {
  const rules = OUTFIT_RULES[p.category] ?? [];
  const together = history.get(p.sku) ?? new Map<string, number>();
  const ranked = catalog.products
    .filter((o) => o.category !== p.category && inStock(o).length > 0)
    .map((o) => {
      const seen = together.get(o.sku) ?? 0;
      const rule = rules.indexOf(o.category);
      const score = seen * 100 + (rule >= 0 ? rules.length - rule : 0);
      return { o, seen, score };
    })
    .filter((x) => x.score > 0)
    .sort((a, b) => b.score - a.score || bySku(a.o, b.o));
  return oncePerStyle(ranked)
    .slice(0, limit)
    .map(({ o, seen }) =>
      seen > 0
        ? suggestion(o, `often tried with the ${p.name.toLowerCase()}`, { key: 'often_with', arg: p.name })
        : suggestion(o, `goes with your ${noun(p.category)}`, { key: 'goes_with', arg: noun(p.category) }),
    );
}

/**
 * (3) similar alternatives: other garments of the same category (not its own colours), in stock, ranked by
 * cosine similarity of the model's embedding to `reference`: the frame's embedding when the recognition gave one
 * (what the shopper holds), else the product's own catalog embedding; then by sizes in stock, then by sku.
 */
export function similar(catalog: Catalog, p: Product, limit = 3, reference: ArrayLike<number> | undefined = p.embedding): Suggestion[] {
  const ranked = catalog.products
    .filter((o) => o.category === p.category && o.sku !== p.sku && (!p.style || o.style !== p.style) && inStock(o).length > 0)
    .map((o) => ({ o, sim: reference && o.embedding ? cosine(reference, o.embedding) : 0 }))
    .sort((a, b) => b.sim - a.sim || inStock(b.o).length - inStock(a.o).length || bySku(a.o, b.o));
  return oncePerStyle(ranked)
    .slice(0, limit)
    .map(({ o }) => suggestion(o, `similar: ${o.name}`, { key: 'similar', arg: o.name }));
}

/** (4) the wanted size is not in store: offer to order it online, home delivery or a free locker here */
export function orderOnline(p: Product, size: string, lockersHere: boolean): OrderOnline | null {
  const s = p.sizes.find((x) => x.size === size);
  if (!s || s.stock > 0) return null;
  const delivery: OrderOnline['delivery'] = lockersHere ? ['home', 'locker'] : ['home'];
  return {
    sku: p.sku,
    size,
    delivery,
    reason: `${size} is not in store: order online${lockersHere ? ', home delivery or a free locker here' : ' for home delivery'}`,
  };
}

/**
 * Every list for a product; `frameEmbedding` (the held-up item's, from recognition) ranks "similar" when given.
 * `freshness` (the live catalog's): when the stock has not been synced for too long, the answer says as of when, so
 * the mirror can show "stock as of 10:42" instead of promising a size that may have sold meanwhile.
 */
export function suggestAll(
  catalog: Catalog,
  p: Product,
  history: CoOccurrence,
  limit = 3,
  frameEmbedding?: ArrayLike<number>,
  freshness?: { asOf: number | null; stale: boolean },
): Suggestions {
  return {
    sizes: otherSizes(p),
    colours: otherColours(catalog, p, limit),
    goesWith: goesWith(catalog, p, history, limit),
    similar: similar(catalog, p, limit, frameEmbedding ?? p.embedding),
    ...(freshness?.stale && freshness.asOf !== null ? { stockAsOf: new Date(freshness.asOf).toISOString() } : {}),
  };
}
