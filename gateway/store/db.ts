import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import sqlite3 from 'sqlite3';

export type Row = Record<string, unknown>;
export type Params = unknown[] | Record<string, unknown>;

/**
 * A small promise wrapper over one sqlite3 connection. sqlite3 runs statements in order on its own thread;
 * `transaction()` serialises whole transactions so two async callers never interleave inside BEGIN…COMMIT.
 */
export interface Db {
  readonly path: string;
  run(sql: string, params?: Params): Promise<{ changes: number; lastID: number }>;
  /** run() through a cached prepared statement: for hot statements, skips SQLite's parse and plan on every call. */
  runPrepared(sql: string, params?: Params): Promise<{ changes: number }>;
  all<T = Row>(sql: string, params?: Params): Promise<T[]>;
  get<T = Row>(sql: string, params?: Params): Promise<T | undefined>;
  exec(sql: string): Promise<void>;
  transaction<T>(fn: (tx: Db) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

export interface OpenOptions {
  /** WAL + NORMAL survives a process crash (SIGKILL); FULL also survives power loss at some cost. */
  synchronous?: 'NORMAL' | 'FULL';
  readonly?: boolean;
}

export async function openDb(path: string, opts: OpenOptions = {}): Promise<Db> {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  const mode = opts.readonly ? sqlite3.OPEN_READONLY : sqlite3.OPEN_READWRITE | sqlite3.OPEN_CREATE;
  const raw = await new Promise<sqlite3.Database>((resolve, reject) => {
    const d = new sqlite3.Database(path, mode, (err) => (err ? reject(err) : resolve(d)));
  });
  raw.configure('busyTimeout', 5000);

  const run = (sql: string, params: Params = []) =>
    new Promise<{ changes: number; lastID: number }>((resolve, reject) => {
      raw.run(sql, params, function (this: sqlite3.RunResult, err: Error | null) {
        if (err) reject(err);
        else resolve({ changes: this.changes, lastID: this.lastID });
      });
    });
  const statements = new Map<string, sqlite3.Statement>();
  const runPrepared = (sql: string, params: Params = []) =>
    new Promise<{ changes: number }>((resolve, reject) => {
      let st = statements.get(sql);
      if (st) {
        // least recently used goes first: keep the hot statements at the end
        statements.delete(sql);
        statements.set(sql, st);
      } else {
        if (statements.size >= 128) {
          const [oldest, old] = statements.entries().next().value as [string, sqlite3.Statement];
          statements.delete(oldest);
          old.finalize();
        }
        st = raw.prepare(sql);
        statements.set(sql, st);
      }
      st.run(params, function (this: sqlite3.RunResult, err: Error | null) {
        if (err) reject(err);
        else resolve({ changes: this.changes });
      });
    });
  const all = <T>(sql: string, params: Params = []) =>
    new Promise<T[]>((resolve, reject) => raw.all(sql, params, (err, rows) => (err ? reject(err) : resolve(rows as T[]))));
  const get = <T>(sql: string, params: Params = []) =>
    new Promise<T | undefined>((resolve, reject) => raw.get(sql, params, (err, row) => (err ? reject(err) : resolve(row as T))));
  const exec = (sql: string) => new Promise<void>((resolve, reject) => raw.exec(sql, (err) => (err ? reject(err) : resolve())));

  let chain: Promise<unknown> = Promise.resolve();
  const inner: Db = {
    path,
    run,
    runPrepared,
    all,
    get,
    exec,
    transaction: (fn) => fn(inner),
    close: () => Promise.resolve(),
  };

  // Top-level writes queue behind any open transaction so they never land inside (or get rolled back
  // with) somebody else's BEGIN…COMMIT on this shared connection.
  const queued = <T>(fn: () => Promise<T>): Promise<T> => {
    const next = chain.then(fn);
    chain = next.catch(() => {});
    return next;
  };

  const db: Db = {
    path,
    run: (sql, params) => queued(() => run(sql, params)),
    runPrepared: (sql, params) => queued(() => runPrepared(sql, params)),
    all,
    get,
    exec: (sql) => queued(() => exec(sql)),
    transaction<T>(fn: (tx: Db) => Promise<T>): Promise<T> {
      const next = chain.then(async () => {
        await exec('BEGIN IMMEDIATE');
        try {
          const result = await fn(inner);
          await exec('COMMIT');
          return result;
        } catch (err) {
          await exec('ROLLBACK').catch(() => {});
          throw err;
        }
      });
      chain = next.catch(() => {});
      return next;
    },
    async close() {
      await chain;
      for (const st of statements.values()) await new Promise<void>((r) => st.finalize(() => r()));
      statements.clear();
      await new Promise<void>((resolve, reject) => raw.close((err) => (err ? reject(err) : resolve())));
    },
  };

  if (!opts.readonly) {
    // incremental vacuum only takes effect on a new database (or after a full VACUUM): it must come before
    // journal_mode = WAL, which writes the file's first page (set after it, a new file stayed auto_vacuum = NONE)
    await exec('PRAGMA auto_vacuum = INCREMENTAL;');
    await exec(`PRAGMA journal_mode = WAL; PRAGMA synchronous = ${opts.synchronous ?? 'NORMAL'}; PRAGMA foreign_keys = ON;`);
  }
  return db;
}
