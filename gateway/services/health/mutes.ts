/**
 * Mutes: "I know, stop telling me" for a while. A mute names an alert key, a device kind, a zone, or a kind in a
 * zone (a group); every field it names must match. It ends by itself at `until` (or when someone unmutes it). An
 * alert raised while a mute matches it is still recorded and still resolves; it is marked muted, so it does not
 * count in the dashboard's attention badge and its cloud event says `muted: true` (see README).
 */
export interface Mute {
  id: number;
  key: string | null;
  kind: string | null;
  zone: string | null;
  until: number;
  byActor: string;
  byName: string;
  note: string | null;
  createdAt: number;
}

/** where an alert is, for grouping and for mutes by kind or zone */
export interface Where {
  kind: string;
  zone: string | null;
}

export const MUTE_MINUTES = { min: 1, max: 24 * 60 };

export const muteMatches = (m: Mute, a: { key: string } & Where, now: number) =>
  m.until > now && (m.key === null || m.key === a.key) && (m.kind === null || m.kind === a.kind) && (m.zone === null || m.zone === a.zone);

/** the first live mute covering this alert (the longest-running wins, so the badge says the later end) */
export function activeMute(mutes: Iterable<Mute>, a: { key: string } & Where, now: number): Mute | undefined {
  let best: Mute | undefined;
  for (const m of mutes) if (muteMatches(m, a, now) && (!best || m.until > best.until)) best = m;
  return best;
}

/** what a mute covers, in words, for the audit and the dashboard */
export function muteTarget(m: Pick<Mute, 'key' | 'kind' | 'zone'>): string {
  if (m.key) return `alert ${m.key}`;
  const parts = [m.kind ? `${m.kind} devices` : 'all devices', m.zone ? `in zone ${m.zone}` : ''];
  return parts.filter(Boolean).join(' ');
}
