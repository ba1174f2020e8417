import type { DomainEvent } from '../../bus/events.ts';
import type { Db } from '../../store/db.ts';
import { deleteQueued } from '../../store/outbox.ts';

export const ERASE_EVENT = 'privacy.erase.requested';
export const ERASE_STARTING = 'privacy.erase.starting';

export interface ErasureRequested {
  shopperId: string;
  requestedAt: string;
  via: 'api' | 'cli';
  /** rows erased per table */
  erased: Record<string, number>;
}

declare module '../../bus/events.ts' {
  interface EventMap {
    /** a shopper's data was erased in the store; the cloud erases its copy */
    'privacy.erase.requested': ErasureRequested;
    /**
     * in-process only (not routed to the cloud): emitted just before the erase transaction is queued, so
     * services holding the shopper in memory forget them first and write nothing of them after the erase
     */
    'privacy.erase.starting': { shopperId: string };
  }
}

/**
 * Where a shopper can appear, besides any table with a `shopper_id` column (found at run time, so a capability
 * that adds one is covered without an edit here): JSON columns searched for the pseudonym as a substring.
 */
const TEXT_COLUMNS = [
  { table: 'outbox_events', column: 'body' },
  { table: 'outbox_dead_letters', column: 'body' },
  { table: 'device_events', column: 'data' },
  { table: 'health_alerts', column: 'details' },
];

/** `sh_` + hex: what presence's pseudonymiser produces (checked so a request can never match everything) */
export const PSEUDONYM_PATTERN = '^sh_[0-9a-f]{8,64}$';
export const isPseudonym = (s: string) => new RegExp(PSEUDONYM_PATTERN).test(s);

type Where = { table: string; sql: string; params: unknown[] };

async function locations(db: Db, shopperId: string): Promise<Where[]> {
  const tables = await db.all<{ name: string }>("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name");
  const out: Where[] = [];
  for (const { name } of tables) {
    const cols = new Set((await db.all<{ name: string }>('SELECT name FROM pragma_table_info(?)', [name])).map((c) => c.name));
    if (cols.has('shopper_id')) out.push({ table: name, sql: 'shopper_id = ?', params: [shopperId] });
    for (const t of TEXT_COLUMNS) if (t.table === name && cols.has(t.column)) out.push({ table: name, sql: `instr(${t.column}, ?) > 0`, params: [shopperId] });
  }
  return out;
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

/** Everything held about one shopper, per table; JSON columns are parsed. */
export async function exportShopper(db: Db, shopperId: string, now: number) {
  const tables: Record<string, Record<string, unknown>[]> = {};
  for (const w of await locations(db, shopperId)) {
    const rows = await db.all<Record<string, unknown>>(`SELECT * FROM ${w.table} WHERE ${w.sql}`, w.params);
    if (rows.length) tables[w.table] = [...(tables[w.table] ?? []), ...rows.map(parsed)];
  }
  const rows = Object.values(tables).reduce((n, r) => n + r.length, 0);
  return { shopperId, exportedAt: new Date(now).toISOString(), rows, tables };
}

/**
 * Erases a shopper everywhere inside the caller's transaction (a unit of work, or the CLI's own), queued outbox
 * events included (with their pending rows), and hands the erase request to `forward` for the cloud in that same
 * transaction: either both happen or neither. Earlier erase requests for the same shopper stay queued: they are
 * the proof the cloud must act on.
 */
export async function eraseShopper(
  tx: Db,
  shopperId: string,
  o: { now: number; makeEvent: (data: ErasureRequested) => DomainEvent; forward: (event: DomainEvent) => Promise<boolean>; via: 'api' | 'cli' },
) {
  const erased: Record<string, number> = {};
  for (const w of await locations(tx, shopperId)) {
    const r =
      w.table === 'outbox_events'
        ? { changes: await deleteQueued(tx, `${w.sql} AND type != 'storegate.${ERASE_EVENT}' AND type != '${ERASE_EVENT}'`, w.params) }
        : await tx.run(`DELETE FROM ${w.table} WHERE ${w.sql}`, w.params);
    if (r.changes) erased[w.table] = (erased[w.table] ?? 0) + r.changes;
  }
  const event = o.makeEvent({ shopperId, requestedAt: new Date(o.now).toISOString(), via: o.via, erased });
  const forwarded = await o.forward(event);
  return { shopperId, erased, rows: Object.values(erased).reduce((a, b) => a + b, 0), event, forwarded };
}
