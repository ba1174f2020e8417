import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Clock } from '../clock.ts';
import type { Db } from '../store/db.ts';

export interface Device {
  id: string;
  kind: string;
  zone: string | null;
  enabled: boolean;
  createdAt: string;
  revokedAt: string | null;
  lastSeenAt: string | null;
  meta: Record<string, unknown>;
}

interface DeviceRow {
  id: string;
  kind: string;
  zone: string | null;
  secret_hash: string;
  enabled: number;
  created_at: string;
  revoked_at: string | null;
  last_seen_at: string | null;
  meta: string;
}

export const DEVICE_ID = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;
export const DEVICE_KIND = /^[a-z][a-z0-9-]{0,31}$/;

/**
 * Secrets are 32 random bytes, so a plain SHA-256 is enough to store them (nothing to brute-force, unlike a
 * password) and keeps a 200-connects/s storm cheap. Comparison is constant-time.
 */
export const hashSecret = (secret: string) => createHash('sha256').update(secret, 'utf8').digest('hex');
export const newSecret = () => randomBytes(32).toString('base64url');

export function secretMatches(secret: string, hash: string): boolean {
  const a = Buffer.from(hashSecret(secret), 'hex');
  const b = Buffer.from(hash, 'hex');
  return a.length === b.length && timingSafeEqual(a, b);
}

const toDevice = (r: DeviceRow): Device => ({
  id: r.id,
  kind: r.kind,
  zone: r.zone,
  enabled: r.enabled === 1,
  createdAt: r.created_at,
  revokedAt: r.revoked_at,
  lastSeenAt: r.last_seen_at,
  meta: JSON.parse(r.meta) as Record<string, unknown>,
});

export type AuthResult = { ok: true; device: Device } | { ok: false; reason: 'unknown_device' | 'revoked' | 'bad_secret' };

/** The device registry in SQLite. The CLI and the running gateway share it through the database file. */
export function createRegistry(deps: { db: Db; clock: Clock }) {
  const { db, clock } = deps;
  const lastSeen = new Map<string, number>();
  const iso = () => new Date(clock.now()).toISOString();

  return {
    async add(d: { id: string; kind: string; zone?: string | null; secret?: string; meta?: Record<string, unknown> }) {
      if (!DEVICE_ID.test(d.id)) throw Object.assign(new Error(`invalid device id "${d.id}"`), { code: 'SG_INVALID_DEVICE_ID' });
      if (!DEVICE_KIND.test(d.kind)) throw Object.assign(new Error(`invalid device kind "${d.kind}"`), { code: 'SG_INVALID_DEVICE_KIND' });
      const secret = d.secret ?? newSecret();
      const existing = await db.get<DeviceRow>('SELECT * FROM devices WHERE id = ?', [d.id]);
      if (existing && existing.enabled === 1) throw Object.assign(new Error(`device ${d.id} already exists`), { code: 'SG_DEVICE_EXISTS' });
      // re-adding a revoked id issues a fresh secret and re-enables it
      await db.run(
        `INSERT INTO devices (id, kind, zone, secret_hash, enabled, created_at, meta) VALUES (?, ?, ?, ?, 1, ?, ?)
         ON CONFLICT(id) DO UPDATE SET kind = excluded.kind, zone = excluded.zone, secret_hash = excluded.secret_hash,
           enabled = 1, revoked_at = NULL, meta = excluded.meta`,
        [d.id, d.kind, d.zone ?? null, hashSecret(secret), iso(), JSON.stringify(d.meta ?? {})],
      );
      return { device: (await this.get(d.id)) as Device, secret };
    },

    /** Seed devices from config: registered if absent (marked `meta.source: 'config'`), left alone if present. */
    async seed(list: readonly { id: string; kind: string; zone?: string; secret?: string }[]) {
      for (const d of list) {
        const row = await db.get<DeviceRow>('SELECT * FROM devices WHERE id = ?', [d.id]);
        if (!row) await this.add({ ...d, meta: { source: 'config' } });
        else if (d.secret && row.enabled === 1 && !secretMatches(d.secret, row.secret_hash)) {
          await db.run('UPDATE devices SET secret_hash = ?, kind = ?, zone = ? WHERE id = ?', [hashSecret(d.secret), d.kind, d.zone ?? null, d.id]);
        }
      }
    },

    /** `tx`: inside a unit of work (a signed remote revoke commits with the downlink's position) */
    async revoke(id: string, tx: Pick<Db, 'run'> = db) {
      const r = await tx.run('UPDATE devices SET enabled = 0, revoked_at = ? WHERE id = ? AND enabled = 1', [iso(), id]);
      return r.changes === 1;
    },

    async get(id: string): Promise<Device | undefined> {
      const r = await db.get<DeviceRow>('SELECT * FROM devices WHERE id = ?', [id]);
      return r ? withLastSeen(toDevice(r)) : undefined;
    },

    async list(filter: { kind?: string } = {}): Promise<Device[]> {
      const rows = filter.kind
        ? await db.all<DeviceRow>('SELECT * FROM devices WHERE kind = ? ORDER BY id', [filter.kind])
        : await db.all<DeviceRow>('SELECT * FROM devices ORDER BY id');
      return rows.map((r) => withLastSeen(toDevice(r)));
    },

    async authenticate(id: string, secret: string): Promise<AuthResult> {
      const r = await db.get<DeviceRow>('SELECT * FROM devices WHERE id = ?', [id]);
      if (!r) return { ok: false, reason: 'unknown_device' };
      if (r.enabled !== 1) return { ok: false, reason: 'revoked' };
      if (!secretMatches(secret, r.secret_hash)) return { ok: false, reason: 'bad_secret' };
      return { ok: true, device: toDevice(r) };
    },

    /** In memory on the hot path; written to SQLite by flushLastSeen() on a timer. */
    touch(id: string) {
      lastSeen.set(id, clock.now());
    },

    async flushLastSeen() {
      if (!lastSeen.size) return;
      const entries = [...lastSeen];
      await db.transaction(async (tx) => {
        for (const [id, at] of entries) await tx.run('UPDATE devices SET last_seen_at = ? WHERE id = ?', [new Date(at).toISOString(), id]);
      });
    },
  };

  function withLastSeen(d: Device): Device {
    const at = lastSeen.get(d.id);
    return at ? { ...d, lastSeenAt: new Date(at).toISOString() } : d;
  }
}

export type Registry = ReturnType<typeof createRegistry>;
