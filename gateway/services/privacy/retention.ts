import type { Clock } from '../../clock.ts';
import type { Logger } from '../../log.ts';
import { counter, gauge, type Registry as Metrics } from '../../metrics.ts';
import type { Db } from '../../store/db.ts';
import type { PrivacyConfig, RetentionDays } from './config.ts';
import { type DataClass, daysFor } from './data-classes.ts';

const DAY_MS = 86_400_000;
const KV_KEY = 'privacy.retention.lastRun';
const yieldToIngest = () => new Promise<void>((r) => setImmediate(r));

export interface RetentionRun {
  startedAt: string;
  finishedAt: string;
  /** rows deleted per data class */
  deleted: Record<string, number>;
  /** the cut-off used per class: rows older than this went */
  cutoffs: Record<string, string>;
  /** classes not purged, and why (e.g. the table does not exist) */
  skipped: Record<string, string>;
  statements: number;
  vacuum: { autoVacuum: 'incremental' | 'full' | 'none'; freelistBefore: number; freelistAfter: number; pagesFreed: number; steps: number };
}

async function columnsOf(db: Db, table: string): Promise<Set<string>> {
  const rows = await db.all<{ name: string }>(`SELECT name FROM pragma_table_info(?)`, [table]);
  return new Set(rows.map((r) => r.name));
}

/**
 * Deletes expired rows per data class in chunks of `chunkRows` (each chunk its own short statement, with a turn
 * of the event loop between them, so ingest's writes interleave instead of waiting behind one huge DELETE),
 * then returns the freed pages to the file system a few hundred at a time with `PRAGMA incremental_vacuum(N)`.
 */
export function createRetentionJob(deps: {
  db: Db;
  clock: Clock;
  log: Logger;
  metrics: Metrics;
  classes: DataClass[];
  days: RetentionDays;
  cfg: PrivacyConfig['retentionJob'];
}) {
  const { db, clock, log } = deps;
  const deletedTotal = counter(deps.metrics, 'storegate_privacy_retention_deleted_rows_total', 'Rows deleted by the retention job', ['class']);
  const runs = counter(deps.metrics, 'storegate_privacy_retention_runs_total', 'Retention job runs', ['result']);
  const vacuumed = counter(deps.metrics, 'storegate_privacy_vacuum_pages_total', 'Pages returned to the file system by incremental vacuum');
  const lastRunAt = gauge(deps.metrics, 'storegate_privacy_retention_last_run_timestamp_seconds', 'When the retention job last finished');
  let last: RetentionRun | null = null;
  let running: Promise<RetentionRun> | null = null;

  async function purgeClass(c: DataClass, run: RetentionRun) {
    const cols = await columnsOf(db, c.table);
    const missing = !cols.size ? `table ${c.table} does not exist` : !cols.has(c.timeColumn) ? `column ${c.table}.${c.timeColumn} does not exist` : null;
    if (missing) {
      run.skipped[c.name] = missing;
      return;
    }
    const cutoffMs = clock.now() - daysFor(c, deps.days) * DAY_MS;
    run.cutoffs[c.name] = new Date(cutoffMs).toISOString();
    let time = c.time;
    if (time === 'auto') {
      const t = await db.get<{ t: string }>(`SELECT typeof(${c.timeColumn}) AS t FROM ${c.table} WHERE ${c.timeColumn} IS NOT NULL LIMIT 1`);
      time = t?.t === 'text' ? 'iso' : 'ms';
    }
    const cutoff = time === 'iso' ? new Date(cutoffMs).toISOString() : cutoffMs;
    const where = `${c.timeColumn} < ?${c.keep ? ` AND NOT (${c.keep})` : ''}`;
    const sql = `DELETE FROM ${c.table} WHERE rowid IN (SELECT rowid FROM ${c.table} WHERE ${where} LIMIT ?)`;
    let n = 0;
    for (;;) {
      const r = await db.run(sql, [cutoff, deps.cfg.chunkRows]);
      run.statements++;
      n += r.changes;
      if (r.changes < deps.cfg.chunkRows) break;
      await yieldToIngest();
    }
    // a class may span several tables (fitting room): add up
    run.deleted[c.name] = (run.deleted[c.name] ?? 0) + n;
    if (n) deletedTotal.inc({ class: c.name }, n);
  }

  async function vacuum(run: RetentionRun) {
    const mode = (await db.get<{ auto_vacuum: number }>('PRAGMA auto_vacuum'))?.auto_vacuum ?? 0;
    const freelist = async () => (await db.get<{ freelist_count: number }>('PRAGMA freelist_count'))?.freelist_count ?? 0;
    const v = run.vacuum;
    v.autoVacuum = mode === 2 ? 'incremental' : mode === 1 ? 'full' : 'none';
    v.freelistBefore = await freelist();
    v.freelistAfter = v.freelistBefore;
    if (mode !== 2) return;
    const pages = async () => (await db.get<{ page_count: number }>('PRAGMA page_count'))?.page_count ?? 0;
    const before = await pages();
    while (v.freelistAfter > 0 && v.steps < deps.cfg.vacuumMaxSteps) {
      await db.exec(`PRAGMA incremental_vacuum(${deps.cfg.vacuumPagesPerStep})`);
      v.steps++;
      v.freelistAfter = await freelist();
      await yieldToIngest();
    }
    // the file shrinks by the free pages plus the pointer-map pages that described them
    v.pagesFreed = before - (await pages());
    if (v.pagesFreed) vacuumed.inc(v.pagesFreed);
  }

  async function runOnce(): Promise<RetentionRun> {
    const run: RetentionRun = {
      startedAt: new Date(clock.now()).toISOString(),
      finishedAt: '',
      deleted: {},
      cutoffs: {},
      skipped: {},
      statements: 0,
      vacuum: { autoVacuum: 'none', freelistBefore: 0, freelistAfter: 0, pagesFreed: 0, steps: 0 },
    };
    for (const c of deps.classes) {
      try {
        await purgeClass(c, run);
      } catch (err) {
        run.skipped[c.name] = `failed: ${(err as Error).message}`;
        log.warn({ err, class: c.name }, 'retention purge of a data class failed');
      }
    }
    await vacuum(run).catch((err) => log.warn({ err }, 'incremental vacuum failed'));
    run.finishedAt = new Date(clock.now()).toISOString();
    last = run;
    lastRunAt.set(clock.now() / 1000);
    runs.inc({ result: Object.values(run.skipped).some((s) => s.startsWith('failed')) ? 'partial' : 'ok' });
    await db
      .run('INSERT INTO kv (key, value, updated_at) VALUES (?,?,?) ON CONFLICT(key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at', [
        KV_KEY,
        JSON.stringify(run),
        run.finishedAt,
      ])
      .catch((err) => log.warn({ err }, 'could not record the retention run'));
    log.info({ deleted: run.deleted, skipped: run.skipped, vacuum: run.vacuum }, 'retention run');
    return run;
  }

  return {
    /** one run at a time: a call while a run is going returns that run */
    run(): Promise<RetentionRun> {
      running ??= runOnce().finally(() => {
        running = null;
      });
      return running;
    },
    /** resolves when no run is in progress */
    async idle(): Promise<void> {
      await running?.catch(() => {});
    },
    /** the last run of this process, else the last one recorded in the database */
    async lastRun(): Promise<RetentionRun | null> {
      if (last) return last;
      const row = await db.get<{ value: string }>('SELECT value FROM kv WHERE key = ?', [KV_KEY]).catch(() => undefined);
      return row ? (JSON.parse(row.value) as RetentionRun) : null;
    },
  };
}

export type RetentionJob = ReturnType<typeof createRetentionJob>;
