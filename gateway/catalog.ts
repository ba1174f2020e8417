import { readFile } from 'node:fs/promises';
import Type, { type Static } from 'typebox';
import Value from 'typebox/value';

/*
 * The store's product catalog (sizes and stock per product), shared by product recognition (label → products)
 * and the fitting room (suggestions). The sample is models/catalog.sample.json.
 */

export const ProductSchema = Type.Object({
  sku: Type.String({ minLength: 1 }),
  name: Type.String({ minLength: 1 }),
  /** one of the model's labels */
  category: Type.String({ minLength: 1 }),
  colour: Type.String(),
  sizes: Type.Array(Type.Object({ size: Type.String(), stock: Type.Integer({ minimum: 0 }) })),
  /** optional reference embedding (the model's `embedding` output for a product photo) for "similar items" */
  embedding: Type.Optional(Type.Array(Type.Number())),
});
export const CatalogSchema = Type.Object({ version: Type.Integer(), products: Type.Array(ProductSchema) });
export type Product = Static<typeof ProductSchema>;
export type Catalog = Static<typeof CatalogSchema>;

export interface Candidate {
  sku: string;
  name: string;
  colour: string;
  inStock: string[];
  /** cosine similarity to the frame's embedding, when both have one */
  similarity?: number;
}

export async function loadCatalog(path: string, labels: string[]): Promise<Catalog> {
  const data = JSON.parse(await readFile(path, 'utf8')) as unknown;
  if (!Value.Check(CatalogSchema, data)) {
    const first = [...Value.Errors(CatalogSchema, data)][0];
    throw new Error(`${path}: invalid catalog${first ? ` at ${first.instancePath}: ${first.message}` : ''}`);
  }
  const unknown = data.products.filter((p) => !labels.includes(p.category));
  if (unknown.length) throw new Error(`${path}: unknown categories ${[...new Set(unknown.map((p) => p.category))].join(', ')}`);
  return data;
}

function cosine(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    dot += a[i]! * b[i]!;
    na += a[i]! * a[i]!;
    nb += b[i]! * b[i]!;
  }
  return na && nb ? dot / Math.sqrt(na * nb) : 0;
}

/** Products of the recognised category: most similar first when embeddings exist, else in-stock first. */
export function candidates(catalog: Catalog, category: string, embedding?: ArrayLike<number>, limit = 5): Candidate[] {
  return catalog.products
    .filter((p) => p.category === category)
    .map((p) => ({
      sku: p.sku,
      name: p.name,
      colour: p.colour,
      inStock: p.sizes.filter((s) => s.stock > 0).map((s) => s.size),
      ...(embedding && p.embedding ? { similarity: cosine(embedding, p.embedding) } : {}),
    }))
    .sort((a, b) => (b.similarity ?? 0) - (a.similarity ?? 0) || b.inStock.length - a.inStock.length)
    .slice(0, limit);
}
