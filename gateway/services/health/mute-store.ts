import type { Clock } from '../../clock.ts';
import type { Db } from '../../store/db.ts';
import type { Work } from '../../store/unit-of-work.ts';
import { type Mute, muteTarget } from './mutes.ts';

interface MuteRow {
  id: number;
  alert_key: string | null;
  kind: string | null;
  zone: string | null;
  until_at: number;
  by_actor: string;
  by_name: string;
  note: string | null;
  created_at: number;
}
const toMute = (r: MuteRow): Mute => ({
  id: r.id,
  key: r.alert_key,
  kind: r.kind,
  zone: r.zone,
  until: r.until_at,
  byActor: r.by_actor,
  byName: r.by_name,
  note: r.note,
  createdAt: r.created_at,
});

export interface Actor {
  actor: string;
  name: string;
}

/** One audit row per ack, mute and unmute: who, what, when, and their note. */
export const audit = (tx: Db, at: number, who: Actor, action: string, target: string, note: string | null) =>
  tx.run('INSERT INTO health_audit (at, actor, action, target, note) VALUES (?, ?, ?, ?, ?)', [at, who.actor, action, target, note]);

/**
 * The mutes, in memory for the synchronous raise decision and in `health_mutes` for restarts and history. An
 * expired mute simply stops matching (nothing has to run for it to end); `prune()` drops it from memory.
 */
export function createMuteStore(deps: { db: Db; clock: Clock }) {
  const live = new Map<number, Mute>();
  const prune = () => {
    const now = deps.clock.now();
    for (const [id, m] of live) if (m.until <= now) live.delete(id);
  };
  return {
    async load() {
      const rows = await deps.db.all<MuteRow>('SELECT * FROM health_mutes WHERE ended_at IS NULL AND until_at > ?', [deps.clock.now()]);
      for (const r of rows) live.set(r.id, toMute(r));
    },
    /** the live mutes, soonest to end first */
    list(): Mute[] {
      prune();
      return [...live.values()].sort((a, b) => a.until - b.until);
    },
    get: (id: number) => live.get(id),
    all: () => live.values(),
    async add(w: Work, m: Omit<Mute, 'id'>): Promise<Mute> {
      const r = await w.tx.run(
        'INSERT INTO health_mutes (alert_key, kind, zone, until_at, by_actor, by_name, note, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
        [m.key, m.kind, m.zone, m.until, m.byActor, m.byName, m.note, m.createdAt],
      );
      const mute = { ...m, id: r.lastID };
      await audit(w.tx, m.createdAt, { actor: m.byActor, name: m.byName }, 'mute', `${muteTarget(m)} until ${new Date(m.until).toISOString()}`, m.note);
      w.after(() => live.set(mute.id, mute));
      return mute;
    },
    async end(w: Work, id: number, who: Actor): Promise<Mute | null> {
      const m = live.get(id);
      if (!m) return null;
      const now = deps.clock.now();
      await w.tx.run('UPDATE health_mutes SET ended_at = ? WHERE id = ?', [now, id]);
      await audit(w.tx, now, who, 'unmute', muteTarget(m), null);
      w.after(() => live.delete(id));
      return m;
    },
    async purge(tx: Db, before: number) {
      await tx.run('DELETE FROM health_mutes WHERE COALESCE(ended_at, until_at) < ?', [before]);
      await tx.run('DELETE FROM health_audit WHERE at < ?', [before]);
    },
    prune,
  };
}

export type MuteStore = ReturnType<typeof createMuteStore>;
