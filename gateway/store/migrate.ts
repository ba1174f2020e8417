import type { Db } from './db.ts';

/**
 * A migration has a globally unique id (`<area>-NNN-<what>`) so each capability ships its own list without
 * colliding with others. Migrations run once, in the order given, each in its own transaction.
 */
export interface Migration {
  id: string;
  up: string | ((db: Db) => Promise<void>);
}

export async function migrate(db: Db, migrations: Migration[]): Promise<string[]> {
  await db.exec('CREATE TABLE IF NOT EXISTS schema_migrations (id TEXT PRIMARY KEY, applied_at TEXT NOT NULL)');
  const done = new Set((await db.all<{ id: string }>('SELECT id FROM schema_migrations')).map((r) => r.id));
  const applied: string[] = [];
  const seen = new Set<string>();
  for (const m of migrations) {
    if (seen.has(m.id)) throw new Error(`duplicate migration id ${m.id}`);
    seen.add(m.id);
    if (done.has(m.id)) continue;
    await db.transaction(async (tx) => {
      if (typeof m.up === 'string') await tx.exec(m.up);
      else await m.up(tx);
      await tx.run('INSERT INTO schema_migrations (id, applied_at) VALUES (?, ?)', [m.id, new Date().toISOString()]);
    });
    applied.push(m.id);
  }
  return applied;
}
