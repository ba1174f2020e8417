import type { AlertData } from './events.ts';
import type { Where } from './mutes.ts';

/** the part of an alert grouping and counting needs */
export interface Groupable extends Where {
  id: number;
  key: string;
  severity: AlertData['severity'];
  ackedAt: number | null;
  muteId: number | null;
}

export interface AlertGroup {
  /** `<kind>` or `<kind>@<zone>`: what a mute of the group names */
  id: string;
  kind: string;
  zone: string | null;
  /** e.g. "3 beacons silent in zone entrance" */
  title: string;
  count: number;
  /** the worst severity in the group */
  severity: AlertData['severity'];
  /** members neither acknowledged nor muted: what still needs someone */
  attention: number;
  members: number[];
}

const RANK = { info: 0, warning: 1, critical: 2 } as const;
const plural = (kind: string, n: number) => (n === 1 ? kind : kind.endsWith('s') ? kind : `${kind}s`);

/** The cause is the last part of the key (`beacon:b1:missing` → missing): same cause, one word for the group. */
const CAUSE_WORDS: Record<string, string> = {
  missing: 'silent',
  offline: 'offline',
  battery_low: 'low on battery',
  jam: 'jammed',
  door_open: 'with a door left open',
};

export const groupId = (w: Where) => (w.zone ? `${w.kind}@${w.zone}` : w.kind);

export function groupTitle(kind: string, zone: string | null, causes: string[]) {
  const n = causes.length;
  const first = causes[0] ?? '';
  const word = causes.every((c) => c === first) ? (CAUSE_WORDS[first] ?? 'with an alert') : 'with alerts';
  return `${n} ${plural(kind, n)} ${word}${zone ? ` in zone ${zone}` : ''}`;
}

/**
 * Open alerts per device kind and zone: a beacon or scanner fault is one line per zone ("3 beacons silent in zone
 * entrance") that expands to its members. Groups are ordered worst first, then by size.
 */
export function groupAlerts(alerts: Groupable[]): AlertGroup[] {
  const by = new Map<string, { kind: string; zone: string | null; items: Groupable[] }>();
  for (const a of alerts) {
    const id = groupId(a);
    const g = by.get(id) ?? { kind: a.kind, zone: a.zone, items: [] };
    g.items.push(a);
    by.set(id, g);
  }
  return [...by]
    .map(([id, g]) => ({
      id,
      kind: g.kind,
      zone: g.zone,
      title: groupTitle(
        g.kind,
        g.zone,
        g.items.map((a) => a.key.split(':').pop() ?? ''),
      ),
      count: g.items.length,
      severity: g.items.reduce<AlertData['severity']>((s, a) => (RANK[a.severity] > RANK[s] ? a.severity : s), 'info'),
      attention: g.items.filter((a) => a.ackedAt === null && a.muteId === null).length,
      members: g.items.map((a) => a.id),
    }))
    .sort((a, b) => RANK[b.severity] - RANK[a.severity] || b.count - a.count || a.id.localeCompare(b.id));
}

/**
 * Metric labels that stay bounded whatever the registry holds: known device kinds, else `other`; the first
 * `maxZones` zones seen, else `other` (zones are store IT's names, a handful per store).
 */
export function createLabelBounds(maxZones = 32) {
  const KINDS = new Set(['beacon', 'scanner', 'locker', 'mirror', 'rfid', 'gateway']);
  const zones = new Set<string>();
  return {
    kind: (k: string) => (KINDS.has(k) ? k : 'other'),
    zone(z: string | null) {
      if (z === null) return 'none';
      if (zones.has(z)) return z;
      if (zones.size >= maxZones) return 'other';
      zones.add(z);
      return z;
    },
  };
}
