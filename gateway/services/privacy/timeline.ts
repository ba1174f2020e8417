/**
 * One shopper's day(s) in the store as a list of moments, from the rows an export finds (so it follows the same
 * links: store visit → mirror session → order → parcel). Pseudonymous: it names pseudonyms, zones, product ids and
 * order ids, never the app id. Times from ISO text (presence) and epoch ms (fitting room, lockers) alike.
 */
export interface Moment {
  at: string;
  kind: 'presence' | 'fitting' | 'locker';
  what: string;
  shopperId?: string;
  zone?: string;
  ref?: string;
  /** the store visit (presence session) a locker moment joined */
  session?: string;
}

type Row = Record<string, unknown>;
const iso = (v: unknown): string | null => {
  if (typeof v === 'number') return new Date(v).toISOString();
  if (typeof v === 'string' && !Number.isNaN(Date.parse(v))) return new Date(v).toISOString();
  return null;
};
const str = (v: unknown) => (typeof v === 'string' ? v : undefined);

export function timelineOf(tables: Record<string, Row[]>): Moment[] {
  const out: Moment[] = [];
  const add = (at: unknown, m: Omit<Moment, 'at'>) => {
    const t = iso(at);
    if (t) out.push({ at: t, ...Object.fromEntries(Object.entries(m).filter(([, v]) => v !== undefined)) } as Moment);
  };
  for (const r of tables.presence_events ?? []) add(r.time, { kind: 'presence', what: String(r.type), shopperId: str(r.shopper_id), zone: str(r.zone) });
  for (const r of tables.fitting_room_sessions ?? []) {
    add(r.started_at, { kind: 'fitting', what: 'fitting.session.started', shopperId: str(r.shopper_id), zone: str(r.zone), ref: str(r.id) });
    add(r.ended_at, { kind: 'fitting', what: 'fitting.session.ended', shopperId: str(r.shopper_id), zone: str(r.zone), ref: str(r.id) });
  }
  for (const r of tables.fitting_items ?? []) add(r.at, { kind: 'fitting', what: `fitting.item.tried ${r.sku}`, ref: str(r.session_id) });
  for (const r of tables.fitting_size_requests ?? [])
    add(r.created_at, { kind: 'fitting', what: `fitting.size_request ${r.sku} ${r.size} (${r.status})`, ref: str(r.id) });
  for (const r of tables.fitting_orders ?? []) add(r.created_at, { kind: 'fitting', what: `fitting.order ${r.sku} ${r.size} → ${r.delivery}`, ref: str(r.id) });
  for (const r of tables.locker_expected_parcels ?? []) add(r.created_at, { kind: 'locker', what: `locker.expected (${r.status})`, ref: str(r.order_id) });
  // a pickup or return made with the app names the shopper (session fusion); one linked by order only does not
  for (const r of tables.locker_parcels ?? []) {
    add(r.loaded_at, { kind: 'locker', what: 'locker.parcel.loaded', ref: str(r.order_id) });
    add(r.done_at, {
      kind: 'locker',
      what: `locker.parcel.${r.status}`,
      ref: str(r.order_id),
      shopperId: str(r.shopper_id),
      session: str(r.shopper_session_id),
    });
  }
  for (const r of tables.locker_returns ?? [])
    add(r.dropped_at ?? r.created_at, {
      kind: 'locker',
      what: `locker.return (${r.status})`,
      ref: str(r.order_id),
      shopperId: str(r.shopper_id),
      session: str(r.shopper_session_id),
    });
  return out.sort((a, b) => a.at.localeCompare(b.at));
}
