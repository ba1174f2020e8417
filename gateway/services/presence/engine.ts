import { distanceFromRssi, newFilter, type RssiFilter, updateFilter } from './rssi-filter.ts';

export interface EngineOptions {
  /** scanner id → zone name */
  zoneOfScanner: ReadonlyMap<string, string>;
  alpha: number;
  outlierDb: number;
  switchMarginDb: number;
  switchMinMs: number;
  scannerStaleMs: number;
  absenceMs: number;
  dwellIntervalMs: number;
  pathLossExponent: number;
  /** a new subject is placed after this long, from all the scanners that heard it by then (not the first one) */
  enterSettleMs: number;
}

export interface Observation {
  subject: string;
  scannerId: string;
  rssi: number;
  /** calibrated power at 1 m, when the frame says */
  powerAt1m: number | null;
  at: number;
}

export type PresenceChange =
  | { type: 'entered'; subject: string; zone: string; at: number; rssi: number; distanceM: number | null }
  | { type: 'moved'; subject: string; from: string; to: string; at: number; dwellMs: number; rssi: number; distanceM: number | null }
  | { type: 'dwell'; subject: string; zone: string; at: number; dwellMs: number }
  | { type: 'exited'; subject: string; zone: string; at: number; lastSeenAt: number; dwellMs: number };

interface Link {
  filter: RssiFilter;
  lastAt: number;
}

export interface SubjectState {
  /** null while the subject is still settling */
  zone: string | null;
  firstSeen: number;
  samples: number;
  zoneSince: number;
  lastSeen: number;
  lastDwellAt: number;
  rssi: number;
  distanceM: number | null;
  powerAt1m: number | null;
  candidate: { zone: string; since: number } | null;
  links: Map<string, Link>;
}

/**
 * Zone presence from RSSI, pure and clock-free: time comes in with each observation and each tick.
 * Per (subject, scanner) an outlier-clamped EMA; a subject is in the zone of its strongest smoothed
 * scanner. A zone change needs the new zone `switchMarginDb` stronger for `switchMinMs` (hysteresis), so a
 * noisy trace between two zones does not flap. A subject no scanner has heard for `absenceMs` has exited.
 */
export function createPresenceEngine(o: EngineOptions) {
  const subjects = new Map<string, SubjectState>();

  function zoneScores(s: SubjectState, now: number) {
    const scores = new Map<string, number>();
    for (const [scanner, l] of s.links) {
      if (now - l.lastAt > o.scannerStaleMs) continue;
      const zone = o.zoneOfScanner.get(scanner);
      if (zone === undefined) continue;
      const prev = scores.get(zone);
      if (prev === undefined || l.filter.value > prev) scores.set(zone, l.filter.value);
    }
    return scores;
  }

  function best(scores: Map<string, number>): [string, number] | null {
    let top: [string, number] | null = null;
    for (const e of scores) if (!top || e[1] > top[1]) top = e;
    return top;
  }

  function settle(subject: string, s: SubjectState, now: number): PresenceChange[] {
    // one advertisement is not a visit (a phone passing the shop window)
    if (now - s.firstSeen < o.enterSettleMs || s.samples < 2) return [];
    const top = best(zoneScores(s, now));
    if (!top) return [];
    s.zone = top[0];
    s.zoneSince = s.firstSeen;
    s.lastDwellAt = now;
    s.rssi = Math.round(top[1]);
    s.distanceM = distanceFromRssi(top[1], s.powerAt1m, o.pathLossExponent);
    return [{ type: 'entered', subject, zone: top[0], at: s.firstSeen, rssi: s.rssi, distanceM: s.distanceM }];
  }

  return {
    /** Feed one advertisement heard by one scanner. Returns entered/moved when that changes the zone. */
    observe(obs: Observation): PresenceChange[] {
      if (!o.zoneOfScanner.has(obs.scannerId)) return [];
      let s = subjects.get(obs.subject);
      if (!s) {
        s = {
          zone: null,
          firstSeen: obs.at,
          samples: 0,
          zoneSince: obs.at,
          lastSeen: obs.at,
          lastDwellAt: obs.at,
          rssi: obs.rssi,
          distanceM: null,
          powerAt1m: obs.powerAt1m,
          candidate: null,
          links: new Map(),
        };
        subjects.set(obs.subject, s);
      }
      const link = s.links.get(obs.scannerId);
      if (!link) s.links.set(obs.scannerId, { filter: newFilter(obs.rssi), lastAt: obs.at });
      else {
        updateFilter(link.filter, obs.rssi, o.alpha, o.outlierDb);
        link.lastAt = obs.at;
      }
      s.lastSeen = Math.max(s.lastSeen, obs.at);
      s.samples++;
      if (obs.powerAt1m !== null) s.powerAt1m = obs.powerAt1m;
      if (s.zone === null) return settle(obs.subject, s, obs.at);

      const scores = zoneScores(s, obs.at);
      const current = scores.get(s.zone) ?? Number.NEGATIVE_INFINITY;
      const top = best(scores);
      if (Number.isFinite(current)) {
        s.rssi = Math.round(current);
        s.distanceM = distanceFromRssi(current, s.powerAt1m, o.pathLossExponent);
      }
      if (!top || top[0] === s.zone || top[1] < current + o.switchMarginDb) {
        s.candidate = null;
        return [];
      }
      if (!s.candidate || s.candidate.zone !== top[0]) {
        s.candidate = { zone: top[0], since: obs.at };
        if (o.switchMinMs > 0) return [];
      }
      if (obs.at - s.candidate.since < o.switchMinMs) return [];
      const from = s.zone as string;
      const change: PresenceChange = {
        type: 'moved',
        subject: obs.subject,
        from,
        to: top[0],
        at: obs.at,
        dwellMs: obs.at - s.zoneSince,
        rssi: Math.round(top[1]),
        distanceM: distanceFromRssi(top[1], s.powerAt1m, o.pathLossExponent),
      };
      s.zone = top[0];
      s.zoneSince = obs.at;
      s.lastDwellAt = obs.at;
      s.candidate = null;
      s.rssi = change.rssi;
      s.distanceM = change.distanceM;
      return [change];
    },

    /** Time passes: exits after the absence timeout, periodic dwell reports. */
    tick(now: number): PresenceChange[] {
      const out: PresenceChange[] = [];
      for (const [subject, s] of subjects) {
        if (now - s.lastSeen >= o.absenceMs) {
          subjects.delete(subject);
          if (s.zone === null) continue;
          out.push({ type: 'exited', subject, zone: s.zone, at: now, lastSeenAt: s.lastSeen, dwellMs: Math.max(0, s.lastSeen - s.zoneSince) });
          continue;
        }
        for (const [scanner, l] of s.links) if (now - l.lastAt > o.absenceMs) s.links.delete(scanner);
        if (s.zone === null) {
          out.push(...settle(subject, s, now));
          continue;
        }
        if (now - s.lastDwellAt >= o.dwellIntervalMs) {
          s.lastDwellAt = now;
          out.push({ type: 'dwell', subject, zone: s.zone, at: now, dwellMs: now - s.zoneSince });
        }
      }
      return out;
    },

    /** Drop a subject without an exit (its data was erased): a phone still advertising starts over as new. */
    forget(subject: string): boolean {
      return subjects.delete(subject);
    },

    get(subject: string): Readonly<SubjectState> | undefined {
      return subjects.get(subject);
    },
    subjects(): ReadonlyMap<string, Readonly<SubjectState>> {
      return subjects;
    },
    get size() {
      return subjects.size;
    },
  };
}

export type PresenceEngine = ReturnType<typeof createPresenceEngine>;
