import { createHash, randomBytes } from 'node:crypto';
import type { Clock } from '../clock.ts';
import type { Language, StaffRole } from './accounts.ts';

export interface StaffSession {
  login: string;
  name: string;
  role: StaffRole;
  language: Language | null;
  createdAt: number;
  lastSeen: number;
}

export interface SessionPolicy {
  /** a session not used for this long ends (a tablet left on the counter) */
  idleMinutes: number;
  /** and every session ends after this long, used or not (one shift) */
  maxHours: number;
}

const digest = (token: string) => createHash('sha256').update(token).digest('hex');

/**
 * Short staff sessions, in memory: a restart logs everyone out, which is fine for a shift-long login and means no
 * session token is ever on disk. Tokens are 32 random bytes; the map is keyed by their SHA-256, so a heap dump does
 * not hand out live sessions either.
 */
export function createStaffSessions(clock: Clock, policy: SessionPolicy = { idleMinutes: 30, maxHours: 12 }) {
  const sessions = new Map<string, StaffSession>();
  const expired = (s: StaffSession, now: number) => now - s.lastSeen > policy.idleMinutes * 60_000 || now - s.createdAt > policy.maxHours * 3_600_000;

  return {
    policy,
    open(who: { login: string; name: string; role: StaffRole; language: Language | null }) {
      const token = `sgs_${randomBytes(32).toString('base64url')}`;
      const now = clock.now();
      sessions.set(digest(token), { ...who, createdAt: now, lastSeen: now });
      // a cap on memory: the oldest sessions go first (Map keeps insertion order)
      if (sessions.size > 5000) sessions.delete(sessions.keys().next().value as string);
      return { token, expiresAt: now + policy.idleMinutes * 60_000 };
    },
    /** the live session of a token (its idle clock restarts), or null */
    touch(token: string): StaffSession | null {
      if (!token.startsWith('sgs_')) return null;
      const key = digest(token);
      const s = sessions.get(key);
      if (!s) return null;
      const now = clock.now();
      if (expired(s, now)) {
        sessions.delete(key);
        return null;
      }
      s.lastSeen = now;
      return s;
    },
    close(token: string) {
      sessions.delete(digest(token));
    },
    /** every login with a live session (to check against disabled accounts) */
    logins: () => [...new Set([...sessions.values()].map((s) => s.login))],
    endFor(login: string) {
      for (const [k, s] of sessions) if (s.login === login) sessions.delete(k);
    },
    get size() {
      return sessions.size;
    },
  };
}

export type StaffSessions = ReturnType<typeof createStaffSessions>;
