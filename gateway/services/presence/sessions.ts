import type { PresenceChange } from './engine.ts';

export interface ZoneVisit {
  zone: string;
  enteredAt: number;
  exitedAt: number | null;
}

export interface ShopperSession {
  id: string;
  shopperId: string;
  startedAt: number;
  endedAt: number | null;
  visits: ZoneVisit[];
  /** when an exited session closes for good unless the shopper comes back first */
  closesAt: number | null;
}

export type SessionChange = { type: 'opened' | 'updated' | 'closed'; session: ShopperSession };

/**
 * Shopper sessions from presence changes, pure. A session opens when a shopper is first seen, collects zone
 * visits, and closes when the shopper has exited the store and not come back within `graceMs` (a pocketed
 * phone that drops out for a minute stays one visit).
 */
export function createSessionTracker(o: { graceMs: number; newId: () => string }) {
  const open = new Map<string, ShopperSession>();

  const lastVisit = (s: ShopperSession) => s.visits[s.visits.length - 1];

  return {
    apply(c: PresenceChange): SessionChange[] {
      const s = open.get(c.subject);
      switch (c.type) {
        case 'entered': {
          if (s) {
            s.closesAt = null;
            s.endedAt = null;
            s.visits.push({ zone: c.zone, enteredAt: c.at, exitedAt: null });
            return [{ type: 'updated', session: s }];
          }
          const n: ShopperSession = {
            id: o.newId(),
            shopperId: c.subject,
            startedAt: c.at,
            endedAt: null,
            visits: [{ zone: c.zone, enteredAt: c.at, exitedAt: null }],
            closesAt: null,
          };
          open.set(c.subject, n);
          return [{ type: 'opened', session: n }];
        }
        case 'moved': {
          if (!s) return [];
          const v = lastVisit(s);
          if (v && v.exitedAt === null) v.exitedAt = c.at;
          s.visits.push({ zone: c.to, enteredAt: c.at, exitedAt: null });
          return [{ type: 'updated', session: s }];
        }
        case 'exited': {
          if (!s) return [];
          const v = lastVisit(s);
          if (v && v.exitedAt === null) v.exitedAt = c.lastSeenAt;
          s.endedAt = c.lastSeenAt;
          s.closesAt = c.lastSeenAt + o.graceMs;
          if (c.at >= s.closesAt) {
            open.delete(c.subject);
            s.closesAt = null;
            return [{ type: 'closed', session: s }];
          }
          return [{ type: 'updated', session: s }];
        }
        default:
          return [];
      }
    },

    tick(now: number): SessionChange[] {
      const out: SessionChange[] = [];
      for (const [shopper, s] of open) {
        if (s.closesAt !== null && now >= s.closesAt) {
          open.delete(shopper);
          s.closesAt = null;
          out.push({ type: 'closed', session: s });
        }
      }
      return out;
    },

    /** Drop a shopper's open session without closing it (its data was erased): nothing is written for it later. */
    forget(shopper: string): boolean {
      return open.delete(shopper);
    },

    open(): ShopperSession[] {
      return [...open.values()];
    },
  };
}

export type SessionTracker = ReturnType<typeof createSessionTracker>;
