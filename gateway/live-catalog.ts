import type { CatalogChanged, StockChange } from '../devices/downlink.ts';
import { type Catalog, type Product, product, validGtin } from './catalog.ts';
import type { Db } from './store/db.ts';
import type { Migration } from './store/migrate.ts';
import type { Work } from './store/unit-of-work.ts';

/**
 * The store's catalog and stock as they are now: the catalog file is the seed, and what the cloud (and the store's
 * own events) changed since is kept in SQLite and applied on top at start. Readers (suggestions, size requests,
 * "order online") see one in-memory index; writers change it through the unit of work only: their SQL commits with
 * whatever else the unit does (the downlink's stream position), and the index follows after COMMIT. A stock level
 * is computed by SQLite from the committed level, so units queued in one batch compose correctly.
 *
 * It is a `Catalog` (`version`, `products`), so code written for the file reads it unchanged; product objects are
 * updated in place on a stock change, the list is rebuilt only when items are added or removed.
 */
export interface LiveCatalog extends Catalog {
  get(sku: string): Product | undefined;
  /** the file's catalog and the categories it may use; before `restore()` */
  seed(catalog: Catalog, labels: readonly string[]): void;
  /** what SQLite holds on top of the seed (after migrations) */
  restore(db: Db): Promise<void>;
  /** `synced: false` for the store's own events: they change the level, not how current it is with the cloud */
  applyStock(w: Work, changes: readonly StockChange[], at: number, opts?: { synced?: boolean }): Promise<StockOutcome>;
  /** a catalog item × size for an item reference: `SKU/SIZE`, or a SKU that has one size only */
  resolveItem(item: string): { sku: string; size: string } | null;
  applyCatalog(w: Work, change: CatalogChanged, at: number): Promise<CatalogOutcome>;
  /** when the stock was last known to be current (a downlink message, a successful pull, a live link) */
  markSynced(at: number): void;
  /** the age past which suggestions say "stock as of …"; 0 = never */
  setStaleAfter(ms: number): void;
  freshness(now: number): { asOf: number | null; stale: boolean };
}

export interface StockOutcome {
  applied: number;
  /** changes for an item or size the catalog does not have (counted, skipped) */
  unknown: Array<{ sku: string; size: string }>;
}
export interface CatalogOutcome {
  upserted: number;
  patched: number;
  removed: number;
  refused: Array<{ sku: string; reason: string }>;
}

export const catalogMigrations: Migration[] = [
  {
    id: 'core-catalog-001',
    // what changed since the seed file: whole products (null json = removed) and per-size stock levels
    up: `
      CREATE TABLE catalog_products (sku TEXT PRIMARY KEY, json TEXT, updated_at INTEGER NOT NULL) WITHOUT ROWID;
      CREATE TABLE catalog_stock (sku TEXT NOT NULL, size TEXT NOT NULL, stock INTEGER NOT NULL, updated_at INTEGER NOT NULL,
        PRIMARY KEY (sku, size)) WITHOUT ROWID;`,
  },
];

const CHUNK = 400;
/** a recount ignores the stored level: max(level, stored + −∞) */
const MINUS_INF = -1e15;

type Net = { sku: string; size: string; c: number; s: number };

/** Changes of one item × size folded into "stock = max(c, stored + s)" (a clamp at 0 composes to that form). */
export function foldStock(changes: readonly StockChange[]): Net[] {
  const net = new Map<string, Net>();
  for (const ch of changes) {
    const key = `${ch.sku}\u0000${ch.size}`;
    const n = net.get(key) ?? { sku: ch.sku, size: ch.size, c: 0, s: 0 };
    if (ch.reason === 'recount') {
      n.c = Math.max(0, ch.quantity);
      n.s = MINUS_INF;
    } else {
      const d = ch.reason === 'sale' ? -Math.abs(ch.quantity) : ch.reason === 'return' ? Math.abs(ch.quantity) : ch.quantity;
      n.c = Math.max(0, n.c + d);
      n.s = n.s === MINUS_INF ? MINUS_INF : n.s + d;
    }
    net.set(key, n);
  }
  return [...net.values()];
}

export function createLiveCatalog(): LiveCatalog {
  const bySku = new Map<string, Product>();
  let list: Product[] = [];
  let version = 1;
  let labels: readonly string[] = [];
  let asOf: number | null = null;
  let staleAfterMs = 0;
  /** item × size with a catalog_stock row committed: their INSERT OR IGNORE is skipped (half a big message's SQL) */
  const stored = new Set<string>();
  const keyOf = (sku: string, size: string) => `${sku}\u0000${size}`;
  const rebuild = () => {
    list = [...bySku.values()];
  };
  const setLevel = (sku: string, size: string, stock: number) => {
    const s = bySku.get(sku)?.sizes.find((x) => x.size === size);
    if (s) s.stock = stock;
  };
  /** the stored product if a unit wrote it (maybe uncommitted in this transaction), else the index's */
  const current = async (tx: Db, sku: string): Promise<Product | undefined> => {
    const row = await tx.get<{ json: string | null }>('SELECT json FROM catalog_products WHERE sku = ?', [sku]);
    if (row) return row.json ? (JSON.parse(row.json) as Product) : undefined;
    return bySku.get(sku);
  };
  /** current levels from SQLite, else the index (= the seed for a level nobody changed) */
  async function levels(tx: Db, sku: string, sizes: Product['sizes']): Promise<Product['sizes']> {
    const rows = await tx.all<{ size: string; stock: number }>('SELECT size, stock FROM catalog_stock WHERE sku = ?', [sku]);
    const stored = new Map(rows.map((r) => [r.size, r.stock]));
    const known = bySku.get(sku);
    return sizes.map((s) => ({
      size: s.size,
      stock: stored.get(s.size) ?? known?.sizes.find((k) => k.size === s.size)?.stock ?? s.stock,
      ...(s.gtin ? { gtin: s.gtin } : {}),
    }));
  }

  return {
    get version() {
      return version;
    },
    get products() {
      return list;
    },
    get: (sku) => bySku.get(sku),

    seed(catalog, l) {
      labels = l;
      version = catalog.version;
      bySku.clear();
      for (const p of catalog.products) bySku.set(p.sku, product(p));
      rebuild();
    },

    async restore(db) {
      for (const r of await db.all<{ sku: string; json: string | null }>('SELECT sku, json FROM catalog_products')) {
        const old = bySku.get(r.sku);
        if (!r.json) bySku.delete(r.sku);
        else {
          const p = JSON.parse(r.json) as Product;
          bySku.set(r.sku, product({ ...p, ...(old?.embedding && !p.embedding ? { embedding: old.embedding } : {}) }));
        }
      }
      for (const r of await db.all<{ sku: string; size: string; stock: number }>('SELECT sku, size, stock FROM catalog_stock')) {
        setLevel(r.sku, r.size, r.stock);
        stored.add(keyOf(r.sku, r.size));
      }
      const kv = await db.get<{ value: string }>("SELECT value FROM kv WHERE key = 'catalog.synced_at'");
      if (kv) asOf = Number(kv.value);
      rebuild();
    },

    resolveItem(item) {
      const cut = item.lastIndexOf('/');
      const sku = cut > 0 ? item.slice(0, cut) : item;
      const sizes = bySku.get(sku)?.sizes ?? [];
      const size = cut > 0 ? sizes.find((s) => s.size === item.slice(cut + 1))?.size : sizes.length === 1 ? sizes[0]?.size : undefined;
      return size ? { sku, size } : null;
    },

    async applyStock(w, changes, at, opts = {}) {
      const synced = opts.synced ?? true;
      const unknown: StockOutcome['unknown'] = [];
      const known: StockChange[] = [];
      for (const c of changes) {
        if (bySku.get(c.sku)?.sizes.some((s) => s.size === c.size)) known.push(c);
        else unknown.push({ sku: c.sku, size: c.size });
      }
      const net = foldStock(known);
      const updated: Array<{ sku: string; size: string; stock: number }> = [];
      for (let i = 0; i < net.length; i += CHUNK) {
        const part = net.slice(i, i + CHUNK);
        // a level nobody changed yet starts from the seed's
        const fresh = part.filter((n) => !stored.has(keyOf(n.sku, n.size)));
        if (fresh.length)
          await w.tx.run(
            `INSERT OR IGNORE INTO catalog_stock (sku, size, stock, updated_at) VALUES ${fresh.map(() => '(?,?,?,?)').join(',')}`,
            fresh.flatMap((n) => [n.sku, n.size, bySku.get(n.sku)?.sizes.find((s) => s.size === n.size)?.stock ?? 0, at]),
          );
        updated.push(
          ...(await w.tx.all<{ sku: string; size: string; stock: number }>(
            `UPDATE catalog_stock SET stock = max(v.column3, catalog_stock.stock + v.column4), updated_at = ?
             FROM (VALUES ${part.map(() => '(?,?,?,?)').join(',')}) AS v
             WHERE catalog_stock.sku = v.column1 AND catalog_stock.size = v.column2 RETURNING catalog_stock.sku, catalog_stock.size, catalog_stock.stock`,
            [at, ...part.flatMap((n) => [n.sku, n.size, n.c, n.s])],
          )),
        );
      }
      if (synced)
        await w.tx.run("INSERT INTO kv (key, value, updated_at) VALUES ('catalog.synced_at', ?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value", [
          String(at),
          new Date(at).toISOString(),
        ]);
      w.after(() => {
        for (const u of updated) {
          setLevel(u.sku, u.size, u.stock);
          stored.add(keyOf(u.sku, u.size));
        }
        if (synced) asOf = Math.max(asOf ?? 0, at);
      });
      return { applied: known.length, unknown };
    },

    async applyCatalog(w, change, at) {
      const out: CatalogOutcome = { upserted: 0, patched: 0, removed: 0, refused: [] };
      const next = new Map<string, Product | null>();
      const write = async (p: Product | null, sku: string) => {
        await w.tx.run(
          'INSERT INTO catalog_products (sku, json, updated_at) VALUES (?, ?, ?) ON CONFLICT(sku) DO UPDATE SET json = excluded.json, updated_at = excluded.updated_at',
          [sku, p ? JSON.stringify(p) : null, at],
        );
        next.set(sku, p);
      };
      for (const u of change.upsert ?? []) {
        if (!labels.includes(u.category)) {
          out.refused.push({ sku: u.sku, reason: `unknown category "${u.category}"` });
          continue;
        }
        const badGtin = u.sizes.find((s) => s.gtin && !validGtin(s.gtin));
        if (badGtin) {
          out.refused.push({ sku: u.sku, reason: `size ${badGtin.size}: GTIN ${badGtin.gtin} has a wrong check digit` });
          continue;
        }
        if (new Set(u.sizes.map((s) => s.size)).size !== u.sizes.length) {
          out.refused.push({ sku: u.sku, reason: 'a size is listed twice' });
          continue;
        }
        const old = await current(w.tx, u.sku);
        const sizes = await levels(
          w.tx,
          u.sku,
          u.sizes.map((s) => ({ size: s.size, stock: s.stock ?? 0, ...(s.gtin ? { gtin: s.gtin } : {}) })),
        );
        const p = product({ ...u, sizes, ...(old?.embedding ? { embedding: old.embedding } : {}) });
        await w.tx.run(
          `INSERT OR IGNORE INTO catalog_stock (sku, size, stock, updated_at) VALUES ${sizes.map(() => '(?,?,?,?)').join(',')}`,
          sizes.flatMap((s) => [u.sku, s.size, s.stock, at]),
        );
        await write(p, u.sku);
        out.upserted++;
      }
      for (const patch of change.patch ?? []) {
        const old = await current(w.tx, patch.sku);
        if (!old) {
          out.refused.push({ sku: patch.sku, reason: 'not in the catalog' });
          continue;
        }
        await write(product({ ...old, ...patch, sizes: await levels(w.tx, patch.sku, old.sizes) }), patch.sku);
        out.patched++;
      }
      for (const sku of change.remove ?? []) {
        if (!(await current(w.tx, sku))) continue;
        await write(null, sku);
        out.removed++;
      }
      w.after(() => {
        for (const [sku, p] of next) {
          if (p) bySku.set(sku, p);
          else bySku.delete(sku);
        }
        if (next.size) rebuild();
      });
      return out;
    },

    markSynced(at) {
      asOf = Math.max(asOf ?? 0, at);
    },
    setStaleAfter(ms) {
      staleAfterMs = ms;
    },
    freshness(now) {
      return { asOf, stale: asOf !== null && staleAfterMs > 0 && now - asOf > staleAfterMs };
    },
  };
}
