import type { DomainEvent } from '../../bus/events.ts';
import type { Db } from '../../store/db.ts';
import { deleteQueued } from '../../store/outbox.ts';
import type { Seeds } from './handles.ts';
import { type Key, SHOPPER_TABLES, SHOPPER_TEXT, type ShopperTable } from './shopper-data.ts';

export { isPseudonym, PSEUDONYM_PATTERN } from './handles.ts';

export const ERASE_EVENT = 'privacy.erase.requested';
export const ERASE_STARTING = 'privacy.erase.starting';

export interface ErasureRequested {
  /** what the shopper named: their app id, an order id, or (store IT) a pseudonym; the handle itself is not sent */
  handle: Seeds['kind'];
  /** every pseudonym of the shopper within retention (derived, whether seen here or not), for the cloud's copy */
  shopperIds: string[];
  orderIds: string[];
  requestedAt: string;
  via: 'api' | 'cli';
  /** rows erased per data class */
  erased: Record<string, number>;
  receiptId: string;
}

declare module '../../bus/events.ts' {
  interface EventMap {
    /** a shopper's data was erased in the store; the cloud erases its copy */
    'privacy.erase.requested': ErasureRequested;
    /**
     * in-process only (not routed to the cloud): emitted, once per pseudonym, just before the erase transaction
     * is queued, so services holding the shopper in memory forget them first and write nothing of them after it
     */
    'privacy.erase.starting': { shopperId: string };
  }
}

const CHUNK = 200;
const KEYS: Key[] = ['pseudonym', 'presenceSession', 'fittingSession', 'order', 'parcel', 'return', 'sizeRequest'];
type Ids = Record<Key, Set<string>>;
type Where = { sql: string; params: unknown[] };

async function columnsOf(db: Db): Promise<Map<string, Set<string>>> {
  const tables = await db.all<{ name: string }>("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'");
  const out = new Map<string, Set<string>>();
  for (const { name } of tables) out.set(name, new Set((await db.all<{ name: string }>('SELECT name FROM pragma_table_info(?)', [name])).map((c) => c.name)));
  return out;
}

/** The registry's tables that exist, plus any other table with a `shopper_id` column (a capability not yet listed). */
function tablesIn(cols: Map<string, Set<string>>): ShopperTable[] {
  const listed = SHOPPER_TABLES.filter((t) => cols.has(t.table));
  const names = new Set(listed.map((t) => t.table));
  const unlisted = [...cols]
    .filter(([name, c]) => !names.has(name) && c.has('shopper_id'))
    .map(([name]): ShopperTable => ({ table: name, dataClass: name, owner: 'unlisted', match: [['shopper_id', 'pseudonym']] }));
  return [...listed, ...unlisted];
}

function whereOf(t: ShopperTable, cols: Set<string>, ids: Ids): Where | null {
  const parts: string[] = [];
  const params: unknown[] = [];
  for (const [col, key] of t.match) {
    const values = [...ids[key]];
    if (!cols.has(col) || values.length === 0) continue;
    parts.push(`"${col}" IN (${values.map(() => '?').join(',')})`);
    params.push(...values);
  }
  return parts.length ? { sql: parts.join(' OR '), params } : null;
}

/** JSON text holding any of the ids as a string, in chunks of ids (one statement each). */
function textWheres(column: string, all: string[]): Where[] {
  const out: Where[] = [];
  for (let i = 0; i < all.length; i += CHUNK) {
    const part = all.slice(i, i + CHUNK);
    out.push({ sql: `(${part.map(() => `instr("${column}", ?) > 0`).join(' OR ')})`, params: part.map((id) => JSON.stringify(id)) });
  }
  return out;
}

/** Follows the links from the seeds until no table adds a new id. */
async function resolve(db: Db, seeds: Seeds, cols: Map<string, Set<string>>, tables: ShopperTable[]): Promise<Ids> {
  const ids = Object.fromEntries(KEYS.map((k) => [k, new Set<string>()])) as Ids;
  for (const p of seeds.pseudonyms) ids.pseudonym.add(p);
  for (const o of seeds.orderIds) ids.order.add(o);
  for (let pass = 0; pass < 10; pass++) {
    let grew = false;
    for (const t of tables) {
      const c = cols.get(t.table) as Set<string>;
      const adds = (t.adds ?? []).filter(([col]) => c.has(col));
      const w = adds.length ? whereOf(t, c, ids) : null;
      if (!w) continue;
      for (const row of await db.all<Record<string, unknown>>(
        `SELECT ${adds.map(([col]) => `"${col}"`).join(', ')} FROM "${t.table}" WHERE ${w.sql}`,
        w.params,
      )) {
        for (const [col, key] of adds) {
          const v = row[col];
          if (typeof v === 'string' && v && !ids[key].has(v)) {
            ids[key].add(v);
            grew = true;
          }
        }
      }
    }
    if (!grew) break;
  }
  return ids;
}

const PSEUDONYM_IN_JSON = /"(sh_[0-9a-f]{8,64})"/g;

/**
 * The rows of a JSON column that hold any of the ids as a JSON string. Pseudonyms (hundreds, derived for every day
 * of retention) are matched in one pass over the rows that hold any `"sh_…"` string; the few other ids by instr().
 */
async function textRows(db: Db, table: string, column: string, ids: Ids): Promise<number[]> {
  const out = new Set<number>();
  if (ids.pseudonym.size) {
    const rows = await db.all<{ rid: number; v: string }>(`SELECT rowid AS rid, "${column}" AS v FROM "${table}" WHERE instr("${column}", '"sh_') > 0`);
    for (const r of rows) for (const m of String(r.v).matchAll(PSEUDONYM_IN_JSON)) if (ids.pseudonym.has(m[1] as string)) out.add(r.rid);
  }
  const others = [...new Set(KEYS.filter((k) => k !== 'pseudonym').flatMap((k) => [...ids[k]]))];
  for (const w of textWheres(column, others))
    for (const r of await db.all<{ rid: number }>(`SELECT rowid AS rid FROM "${table}" WHERE ${w.sql}`, w.params)) out.add(r.rid);
  return [...out];
}

const byRowid = (rowids: number[]): Where[] => {
  const out: Where[] = [];
  for (let i = 0; i < rowids.length; i += CHUNK) {
    const part = rowids.slice(i, i + CHUNK);
    out.push({ sql: `rowid IN (${part.map(() => '?').join(',')})`, params: part });
  }
  return out;
};

/** Where the shopper is in this database: per table, the conditions their rows meet. */
async function locate(db: Db, seeds: Seeds) {
  const cols = await columnsOf(db);
  const tables = tablesIn(cols);
  const ids = await resolve(db, seeds, cols, tables);
  const rowsOf: Array<{ table: string; dataClass: string; where: Where; entry?: ShopperTable; outbox?: boolean }> = [];
  for (const t of tables) {
    const w = whereOf(t, cols.get(t.table) as Set<string>, ids);
    if (w) rowsOf.push({ table: t.table, dataClass: t.dataClass, where: w, entry: t });
  }
  for (const t of SHOPPER_TEXT) {
    if (!cols.get(t.table)?.has(t.column)) continue;
    for (const w of byRowid(await textRows(db, t.table, t.column, ids))) rowsOf.push({ table: t.table, dataClass: t.dataClass, where: w, outbox: !!t.outbox });
  }
  return { ids, rowsOf };
}

const parsed = (row: Record<string, unknown>) =>
  Object.fromEntries(
    Object.entries(row).map(([k, v]) => {
      if (typeof v !== 'string' || !/^[[{]/.test(v)) return [k, v];
      try {
        return [k, JSON.parse(v)];
      } catch {
        return [k, v];
      }
    }),
  );

/** Everything held about one shopper, per table (JSON columns parsed), with the row count per data class. */
export async function exportShopper(db: Db, seeds: Seeds, now: number) {
  const { rowsOf } = await locate(db, seeds);
  const tables: Record<string, Record<string, unknown>[]> = {};
  const found: Record<string, number> = {};
  const seen = new Map<string, Set<unknown>>();
  for (const r of rowsOf) {
    const rows = await db.all<Record<string, unknown>>(`SELECT rowid AS _rowid, * FROM "${r.table}" WHERE ${r.where.sql}`, r.where.params);
    const s = seen.get(r.table) ?? new Set();
    seen.set(r.table, s);
    for (const { _rowid, ...row } of rows) {
      // a row can match several chunks of ids or conditions: once is enough
      if (s.has(_rowid)) continue;
      s.add(_rowid);
      const list = tables[r.table] ?? [];
      tables[r.table] = list;
      list.push(parsed(row));
      found[r.dataClass] = (found[r.dataClass] ?? 0) + 1;
    }
  }
  const rows = Object.values(found).reduce((a, b) => a + b, 0);
  return { handle: seeds.kind, exportedAt: new Date(now).toISOString(), rows, found, tables };
}

/**
 * Erases a shopper everywhere inside the caller's transaction (a unit of work, or the CLI's own): every listed
 * table, queued outbox events (through the outbox store, with their pending rows) and the other JSON columns.
 * Erase requests already queued stay: they are what the cloud must act on. Returns what was erased, per data
 * class and per table, and the ids followed (for the cloud's erase request).
 */
export async function eraseShopper(tx: Db, seeds: Seeds) {
  const { ids, rowsOf } = await locate(tx, seeds);
  const erased: Record<string, number> = {};
  const tables: Record<string, number> = {};
  for (const r of rowsOf) {
    let n: number;
    if (r.outbox) n = await deleteQueued(tx, `${r.where.sql} AND type NOT IN ('${ERASE_EVENT}', 'storegate.${ERASE_EVENT}')`, r.where.params);
    else if (r.entry?.erase) {
      const set = r.entry.erase.redact.map((c) => `"${c}" = NULL`).join(', ');
      n = (await tx.run(`UPDATE "${r.table}" SET ${set} WHERE ${r.where.sql}`, r.where.params)).changes;
    } else n = (await tx.run(`DELETE FROM "${r.table}" WHERE ${r.where.sql}`, r.where.params)).changes;
    if (!n) continue;
    erased[r.dataClass] = (erased[r.dataClass] ?? 0) + n;
    tables[r.table] = (tables[r.table] ?? 0) + n;
  }
  return { erased, tables, rows: Object.values(erased).reduce((a, b) => a + b, 0), orderIds: [...ids.order] };
}

export type ErasureResult = Awaited<ReturnType<typeof eraseShopper>>;
export type { DomainEvent };
