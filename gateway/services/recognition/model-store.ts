import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from 'pino';
import type { Db } from '../../store/db.ts';
import type { Migration } from '../../store/migrate.ts';
import type { RecognitionConfig } from './config.ts';
import { sha256Hex } from './model.ts';
import type { ModelResolver } from './service.ts';
import type { ModelSpec } from './slots.ts';

/**
 * Which model is live, which is the shadow and which was live before (for a rollback), kept in SQLite so a restart
 * comes back with the same models; rolled-out files live in `<dataDir>/models/<sha256>.onnx` (+ `.labels.json`).
 * The history is what `storegate model status` and the dashboard show.
 */
export const modelMigrations: Migration[] = [
  {
    id: 'recognition-001-model-slots',
    up: `
      CREATE TABLE recognition_model_slots (
        slot TEXT PRIMARY KEY CHECK (slot IN ('live', 'shadow', 'previous')),
        sha256 TEXT NOT NULL,
        version TEXT,
        origin TEXT NOT NULL,
        model_path TEXT NOT NULL,
        labels_path TEXT NOT NULL,
        since INTEGER NOT NULL
      );
      CREATE TABLE recognition_model_history (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        at INTEGER NOT NULL,
        action TEXT NOT NULL,
        sha256 TEXT,
        version TEXT,
        reason TEXT,
        detail TEXT
      );
    `,
  },
];

export type Slot = 'live' | 'shadow' | 'previous';
export interface SlotRow {
  slot: Slot;
  sha256: string;
  version: string | null;
  origin: ModelSpec['origin'];
  model_path: string;
  labels_path: string;
  since: number;
}
export interface HistoryRow {
  at: number;
  action: string;
  sha256: string | null;
  version: string | null;
  reason: string | null;
  detail: string | null;
}

export const modelsDir = (dataDir: string) => join(dataDir, 'models');
export const modelFiles = (dataDir: string, sha256: string) => ({
  model: join(modelsDir(dataDir), `${sha256}.onnx`),
  labels: join(modelsDir(dataDir), `${sha256}.labels.json`),
  part: join(modelsDir(dataDir), `${sha256}.part`),
});

export async function readSlots(db: Db): Promise<Partial<Record<Slot, SlotRow>>> {
  const rows = await db.all<SlotRow>('SELECT * FROM recognition_model_slots');
  return Object.fromEntries(rows.map((r) => [r.slot, r]));
}

export async function setSlot(tx: Db, slot: Slot, row: Omit<SlotRow, 'slot'> | null) {
  if (!row) return tx.run('DELETE FROM recognition_model_slots WHERE slot = ?', [slot]);
  return tx.run(
    `INSERT INTO recognition_model_slots (slot, sha256, version, origin, model_path, labels_path, since) VALUES (?, ?, ?, ?, ?, ?, ?)
     ON CONFLICT (slot) DO UPDATE SET sha256 = excluded.sha256, version = excluded.version, origin = excluded.origin,
       model_path = excluded.model_path, labels_path = excluded.labels_path, since = excluded.since`,
    [slot, row.sha256, row.version, row.origin, row.model_path, row.labels_path, row.since],
  );
}

export const addHistory = (tx: Db, h: HistoryRow) =>
  tx.run('INSERT INTO recognition_model_history (at, action, sha256, version, reason, detail) VALUES (?, ?, ?, ?, ?, ?)', [
    h.at,
    h.action,
    h.sha256,
    h.version,
    h.reason,
    h.detail,
  ]);

export const readHistory = (db: Db, limit = 20) =>
  db.all<HistoryRow>('SELECT at, action, sha256, version, reason, detail FROM recognition_model_history ORDER BY id DESC LIMIT ?', [limit]);

/** models rolled back once are never promoted by agreement or loaded from config as the shadow again */
export async function retiredShas(db: Db): Promise<Set<string>> {
  const rows = await db.all<{ sha256: string }>("SELECT DISTINCT sha256 FROM recognition_model_history WHERE action = 'rolled_back' AND sha256 IS NOT NULL");
  return new Set(rows.map((r) => r.sha256));
}

export const specOf = (r: Pick<SlotRow, 'model_path' | 'labels_path' | 'version' | 'origin'>): ModelSpec => ({
  modelPath: r.model_path,
  labelsPath: r.labels_path,
  version: r.version,
  origin: r.origin,
});

const fileSha = (path: string) => readFile(path).then(sha256Hex, () => null);

/**
 * The models the recognition service loads at start: the persisted slots when model ops has set them, else the
 * config. A persisted file that is gone or no longer has its hash falls back to the configured model (logged). The
 * configured shadow is skipped when it is already live or previous, or was rolled back.
 */
export function slotsResolver(deps: { db: Db; config: RecognitionConfig; log: Logger }): ModelResolver {
  const { config } = deps;
  const log = deps.log.child({ module: 'recognition' });
  const configured: ModelSpec = { modelPath: config.modelPath, labelsPath: config.labelsPath, version: null, origin: 'config' };
  return async () => {
    const slots = await readSlots(deps.db);
    let live = configured;
    if (slots.live) {
      if ((await fileSha(slots.live.model_path)) === slots.live.sha256) live = specOf(slots.live);
      else
        log.error(
          { modelPath: slots.live.model_path, sha256: slots.live.sha256 },
          'the persisted live model is missing or changed: using recognition.modelPath',
        );
    }
    let shadow: ModelSpec | null = null;
    if (slots.shadow && (await fileSha(slots.shadow.model_path)) === slots.shadow.sha256) shadow = specOf(slots.shadow);
    else if (config.shadow) {
      const sha = await fileSha(config.shadow.modelPath);
      const taken = new Set([slots.live?.sha256 ?? (await fileSha(config.modelPath)), slots.previous?.sha256, ...(await retiredShas(deps.db))]);
      if (sha && !taken.has(sha))
        shadow = { modelPath: config.shadow.modelPath, labelsPath: config.shadow.labelsPath ?? config.labelsPath, version: null, origin: 'config' };
    }
    return { live, ...(live !== configured ? { fallback: configured } : {}), shadow };
  };
}
