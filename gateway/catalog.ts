import { existsSync, readFileSync } from 'node:fs';
import { basename, dirname, extname, join } from 'node:path';
import { parse as parseCsvText } from 'csv-parse/sync';
import Type, { type Static } from 'typebox';
import { Compile } from 'typebox/compile';
import Value from 'typebox/value';

/*
 * The store's product catalog (sizes, stock and colours per product), shared by product recognition
 * (label → products) and the fitting room (suggestions). One loader for both, picked by extension:
 * `.json` (models/catalog.sample.json) or `.csv`, one row per product × size (models/catalog.sample.csv).
 * Product embeddings come inline (JSON `embedding`) or from the sidecar `<stem>.embeddings.json` next to the
 * catalog, keyed by sku, written by `storegate catalog embed`. The format is documented in models/README.md.
 */

const GTIN_PATTERN = '^([0-9]{8}|[0-9]{12,14})$';

export const ProductSchema = Type.Object({
  sku: Type.String({ minLength: 1 }),
  name: Type.String({ minLength: 1 }),
  /** one of the model's labels */
  category: Type.String({ minLength: 1 }),
  colour: Type.String(),
  /** products sharing a style are the same garment in other colours */
  style: Type.Optional(Type.String({ minLength: 1 })),
  /** `gtin`: the GTIN of the item in this size (GTIN-8/12/13/14; a GTIN names one product in one size): what its RFID tag encodes */
  sizes: Type.Array(
    Type.Object({ size: Type.String({ minLength: 1 }), stock: Type.Integer({ minimum: 0 }), gtin: Type.Optional(Type.String({ pattern: GTIN_PATTERN })) }),
  ),
  /** optional reference embedding (the model's `embedding` output for a product photo) for "similar items" */
  embedding: Type.Optional(Type.Array(Type.Number())),
  /** from the cloud catalog (downlink): the shelf price and the item's GTINs */
  price: Type.Optional(Type.Object({ amount: Type.Number({ minimum: 0 }), currency: Type.String({ pattern: '^[A-Z]{3}$' }) })),
  gtins: Type.Optional(Type.Array(Type.String({ pattern: '^[0-9]{8,14}$' }))),
});
/** the JSON file; `note` and other top-level keys are allowed and dropped on load */
export const CatalogSchema = Type.Object({ version: Type.Integer(), products: Type.Array(ProductSchema) });
/** `<stem>.embeddings.json`: what `storegate catalog embed` writes */
export const EmbeddingsSchema = Type.Object({
  /** the model that computed them (LoadedModel.id): stale when the model changes */
  model: Type.String(),
  embeddings: Type.Record(Type.String(), Type.Array(Type.Number(), { minItems: 1 })),
});
export type Product = Static<typeof ProductSchema>;
export type Catalog = Static<typeof CatalogSchema>;
export type Embeddings = Static<typeof EmbeddingsSchema>;

export interface Candidate {
  sku: string;
  name: string;
  colour: string;
  inStock: string[];
  /** cosine similarity to the frame's embedding, when both have one */
  similarity?: number;
}

/** A loaded catalog plus what `storegate catalog check` reports besides errors. */
export interface CatalogFile {
  catalog: Catalog;
  /** the sidecar that was merged, if any */
  embeddingsPath?: string;
  embeddingsModel?: string;
  /** sidecar skus that are not in the catalog */
  orphanEmbeddings: string[];
}

/**
 * The checks compiled on first load: Value.Check interprets the schema for every value, ≈ 40 ms per start on the
 * sample catalog's 27 × 128 embedding numbers, a compiled check a few. Value.Errors (on failure only) words the error.
 */
let compiled: { catalog: ReturnType<typeof Compile<typeof CatalogSchema>>; embeddings: ReturnType<typeof Compile<typeof EmbeddingsSchema>> } | undefined;
const checks = () => (compiled ??= { catalog: Compile(CatalogSchema), embeddings: Compile(EmbeddingsSchema) });

export const embeddingsPathFor = (catalogPath: string) => join(dirname(catalogPath), `${basename(catalogPath, extname(catalogPath))}.embeddings.json`);

/** For async callers (recognition start, catalog embed): the same read as at fitting start, done once at start-up. */
export async function loadCatalog(path: string, labels: readonly string[]): Promise<Catalog> {
  return loadCatalogSync(path, labels);
}

export const loadCatalogSync = (path: string, labels: readonly string[]): Catalog => readCatalogSync(path, labels).catalog;

export function readCatalogSync(path: string, labels: readonly string[]): CatalogFile {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new Error(`catalog ${path}: cannot read it (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
  const side = embeddingsPathFor(path);
  return parseCatalog(path, text, labels, existsSync(side) ? { path: side, text: readFileSync(side, 'utf8') } : undefined);
}

/** Parses and checks a catalog file's text (format by extension) and merges the embeddings sidecar. */
export function parseCatalog(path: string, text: string, labels: readonly string[], sidecar?: { path: string; text: string }): CatalogFile {
  const ext = extname(path).toLowerCase();
  const { catalog, where } = ext === '.json' ? fromJson(path, text) : ext === '.csv' ? fromCsv(path, text) : unknownFormat(path);
  const fail = (sku: string, what: string) => {
    throw new Error(`${path} ${where.get(sku)}: ${what}`);
  };
  const styles = new Map<string, Product>();
  const gtins = new Map<string, string>();
  for (const p of catalog.products) {
    for (const s of p.sizes) {
      if (!s.gtin) continue;
      if (!validGtin(s.gtin)) fail(p.sku, `${p.sku} size ${s.size}: GTIN ${s.gtin} has a wrong check digit`);
      const other = gtins.get(s.gtin);
      if (other) fail(p.sku, `${p.sku} size ${s.size}: GTIN ${s.gtin} is also ${other} (a GTIN names one product in one size)`);
      gtins.set(s.gtin, `${p.sku} size ${s.size}`);
    }
    if (!labels.includes(p.category)) fail(p.sku, `unknown category "${p.category}" (the model knows: ${labels.join(', ')})`);
    if (!p.sizes.length) fail(p.sku, `${p.sku} has no sizes`);
    const sizes = new Set<string>();
    for (const s of p.sizes) {
      if (sizes.has(s.size)) fail(p.sku, `${p.sku} lists size ${s.size} twice`);
      sizes.add(s.size);
    }
    const first = p.style === undefined ? undefined : styles.get(p.style);
    if (p.style !== undefined && !first) styles.set(p.style, p);
    if (first && first.category !== p.category) fail(p.sku, `style ${p.style} is a ${first.category} (${first.sku}) but ${p.sku} is a ${p.category}`);
  }
  return sidecar ? mergeEmbeddings(catalog, sidecar) : { catalog, orphanEmbeddings: [] };
}

function unknownFormat(path: string): never {
  throw new Error(`catalog ${path}: unknown format "${extname(path) || '(no extension)'}": use .json or .csv`);
}

/** the canonical product: the same object whichever format it came from */
export function product(p: Product): Product {
  return {
    sku: p.sku,
    name: p.name,
    category: p.category,
    colour: p.colour,
    ...(p.style ? { style: p.style } : {}),
    sizes: p.sizes.map((s) => ({ size: s.size, stock: s.stock, ...(s.gtin ? { gtin: gtin14(s.gtin) } : {}) })),
    ...(p.embedding ? { embedding: p.embedding } : {}),
    ...(p.price ? { price: { amount: p.price.amount, currency: p.price.currency } } : {}),
    ...(p.gtins ? { gtins: [...p.gtins] } : {}),
  };
}

type Parsed = { catalog: Catalog; where: Map<string, string> };

function fromJson(path: string, text: string): Parsed {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    throw new Error(`${path}: not JSON (${(err as Error).message})`);
  }
  if (!checks().catalog.Check(data)) {
    const errors = [...Value.Errors(CatalogSchema, data)].slice(0, 5).map((e) => `${e.instancePath || '/'}: ${e.message}`);
    throw new Error(`${path}: invalid catalog at ${errors.join('; ')}`);
  }
  const where = new Map<string, string>();
  data.products.forEach((p, i) => {
    if (where.has(p.sku)) throw new Error(`${path} products[${i}]: sku ${p.sku} is listed twice (first at ${where.get(p.sku)})`);
    where.set(p.sku, `products[${i}]`);
  });
  return { catalog: { version: data.version, products: data.products.map(product) }, where };
}

const CSV_REQUIRED = ['sku', 'name', 'category', 'colour', 'size', 'stock'] as const;
const CSV_COLUMNS: readonly string[] = [...CSV_REQUIRED, 'style', 'gtin'];

/** One row per product × size; a product's rows repeat its name, category, colour and style. */
function fromCsv(path: string, text: string): Parsed {
  let rows: Array<{ record: Record<string, string>; info: { lines: number } }>;
  try {
    rows = parseCsvText(text, {
      bom: true,
      columns: (header: string[]) => header.map((h) => h.trim().toLowerCase()),
      comment: '#',
      comment_no_infix: true,
      info: true,
      skip_empty_lines: true,
      trim: true,
    });
  } catch (err) {
    throw new Error(`${path}: ${(err as Error).message}`);
  }
  const header = rows[0] ? Object.keys(rows[0].record) : [];
  const unknown = header.filter((c) => !CSV_COLUMNS.includes(c));
  if (unknown.length)
    throw new Error(`${path} line 1: unknown column${unknown.length > 1 ? 's' : ''} ${unknown.join(', ')} (columns: ${CSV_COLUMNS.join(',')})`);
  const missing = CSV_REQUIRED.filter((c) => !header.includes(c));
  if (rows.length && missing.length) throw new Error(`${path} line 1: missing column${missing.length > 1 ? 's' : ''} ${missing.join(', ')}`);

  const products = new Map<string, Product>();
  const where = new Map<string, string>();
  for (const { record: r, info } of rows) {
    const line = `${path} line ${info.lines}`;
    for (const c of ['sku', 'name', 'category', 'size'] as const) if (!r[c]) throw new Error(`${line}: ${c} is empty`);
    if (!/^\d+$/.test(r.stock ?? '')) throw new Error(`${line}: stock must be a non-negative integer (got "${r.stock ?? ''}")`);
    const sku = r.sku!;
    const row: Product = { sku, name: r.name!, category: r.category!, colour: r.colour ?? '', ...(r.style ? { style: r.style } : {}), sizes: [] };
    const p = products.get(sku) ?? row;
    if (p === row) {
      products.set(sku, p);
      where.set(sku, `line ${info.lines}`);
    }
    for (const c of ['name', 'category', 'colour', 'style'] as const)
      if (p[c] !== row[c]) throw new Error(`${line}: ${c} of ${sku} is "${row[c] ?? ''}" here but "${p[c] ?? ''}" on its first row (${where.get(sku)})`);
    if (p.sizes.some((s) => s.size === r.size)) throw new Error(`${line}: ${sku} size ${r.size} is listed twice`);
    if (r.gtin && !new RegExp(GTIN_PATTERN).test(r.gtin)) throw new Error(`${line}: gtin must have 8, 12, 13 or 14 digits (got "${r.gtin}")`);
    p.sizes.push({ size: r.size!, stock: Number(r.stock), ...(r.gtin ? { gtin: r.gtin } : {}) });
  }
  return { catalog: { version: 1, products: [...products.values()].map(product) }, where };
}

/** Inline embeddings win over the sidecar's; all of them must have the same length. */
function mergeEmbeddings(catalog: Catalog, sidecar: { path: string; text: string }): CatalogFile {
  let data: unknown;
  try {
    data = JSON.parse(sidecar.text);
  } catch (err) {
    throw new Error(`${sidecar.path}: not JSON (${(err as Error).message})`);
  }
  if (!checks().embeddings.Check(data)) {
    const first = [...Value.Errors(EmbeddingsSchema, data)][0];
    throw new Error(`${sidecar.path}: invalid embeddings file${first ? ` at ${first.instancePath || '/'}: ${first.message}` : ''}`);
  }
  const skus = new Set(catalog.products.map((p) => p.sku));
  const products = catalog.products.map((p) => (p.embedding || !data.embeddings[p.sku] ? p : product({ ...p, embedding: data.embeddings[p.sku] })));
  const lengths = new Set(products.flatMap((p) => (p.embedding ? [p.embedding.length] : [])));
  if (lengths.size > 1) throw new Error(`${sidecar.path}: embeddings of different lengths (${[...lengths].join(', ')})`);
  return {
    catalog: { version: catalog.version, products },
    embeddingsPath: sidecar.path,
    embeddingsModel: data.model,
    orphanEmbeddings: Object.keys(data.embeddings)
      .filter((sku) => !skus.has(sku))
      .sort(),
  };
}

export function cosine(a: ArrayLike<number>, b: ArrayLike<number>): number {
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

/** GTIN-8/12/13 → GTIN-14 (left-padded with zeros, as GS1 stores them and SGTIN-96 decodes them) */
export const gtin14 = (gtin: string) => gtin.padStart(14, '0');
/** the GS1 mod-10 check digit is right */
export function validGtin(gtin: string): boolean {
  const g = gtin14(gtin);
  if (!/^\d{14}$/.test(g)) return false;
  let sum = 0;
  for (let i = 0; i < 13; i++) sum += Number(g[12 - i]) * (i % 2 === 0 ? 3 : 1);
  return String((10 - (sum % 10)) % 10) === g[13];
}

export interface GtinItem {
  sku: string;
  /** null for a product-level GTIN (the downlink's `gtins`) that names no size */
  size: string | null;
}

/**
 * GTIN-14 → product and size, from the sizes' `gtin` and then products' `gtins` (sizeless, when the cloud gave no per-size
 * GTIN). Built once per products list: a live catalog replaces its list whenever a product changes, never on stock.
 */
const gtinIndexes = new WeakMap<readonly Product[], Map<string, GtinItem>>();
export function gtinIndex(catalog: Catalog): Map<string, GtinItem> {
  let index = gtinIndexes.get(catalog.products);
  if (index) return index;
  index = new Map();
  for (const p of catalog.products) for (const s of p.sizes) if (s.gtin) index.set(gtin14(s.gtin), { sku: p.sku, size: s.size });
  for (const p of catalog.products) for (const g of p.gtins ?? []) if (!index.has(gtin14(g))) index.set(gtin14(g), { sku: p.sku, size: null });
  gtinIndexes.set(catalog.products, index);
  return index;
}

/** the sizes of a product the store has now */
export const inStock = (p: Product) => p.sizes.filter((s) => s.stock > 0).map((s) => s.size);
/** the tie-break that keeps every ranking deterministic */
export const bySku = (a: { sku: string }, b: { sku: string }) => (a.sku < b.sku ? -1 : a.sku > b.sku ? 1 : 0);

/** Products of the recognised category: most similar first when embeddings exist, else in-stock first; ties by sku. */
export function candidates(catalog: Catalog, category: string, embedding?: ArrayLike<number>, limit = 5): Candidate[] {
  return catalog.products
    .filter((p) => p.category === category)
    .map((p) => ({
      sku: p.sku,
      name: p.name,
      colour: p.colour,
      inStock: inStock(p),
      ...(embedding && p.embedding ? { similarity: cosine(embedding, p.embedding) } : {}),
    }))
    .sort((a, b) => (b.similarity ?? 0) - (a.similarity ?? 0) || b.inStock.length - a.inStock.length || bySku(a, b))
    .slice(0, limit);
}

export interface CatalogSummary {
  products: number;
  /** category → products */
  categories: Record<string, number>;
  /** style → its skus (colour variants), for styles with more than one product */
  styles: Record<string, string[]>;
  /** product × size rows, and how many of them have stock */
  sizes: { total: number; inStock: number };
  embeddings: { present: number; missing: string[]; from?: string; model?: string; orphans: string[] };
}

/** What `storegate catalog check` prints about a catalog that loaded. */
export function summariseCatalog(file: CatalogFile): CatalogSummary {
  const { products } = file.catalog;
  const categories: Record<string, number> = {};
  const styles: Record<string, string[]> = {};
  for (const p of products) {
    categories[p.category] = (categories[p.category] ?? 0) + 1;
    if (p.style) styles[p.style] = [...(styles[p.style] ?? []), p.sku];
  }
  for (const [style, skus] of Object.entries(styles)) if (skus.length < 2) delete styles[style];
  const sizes = products.flatMap((p) => p.sizes);
  return {
    products: products.length,
    categories,
    styles,
    sizes: { total: sizes.length, inStock: sizes.filter((s) => s.stock > 0).length },
    embeddings: {
      present: products.filter((p) => p.embedding).length,
      missing: products.filter((p) => !p.embedding).map((p) => p.sku),
      ...(file.embeddingsPath ? { from: file.embeddingsPath } : {}),
      ...(file.embeddingsModel ? { model: file.embeddingsModel } : {}),
      orphans: file.orphanEmbeddings,
    },
  };
}
