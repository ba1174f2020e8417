import sqlite3 from 'sqlite3';
import type { StaffClient } from '../staff.ts';
import type { CloudReceiver } from './cloud.ts';
import type { Expected } from './plan.ts';

export type Observed = Expected & { actionErrors: string[]; cloudRefusedDuringOutage: boolean };

/**
 * What no API lists, read from the gateway's SQLite file opened read-only: beacon.missing events per beacon, and
 * the fitting-room sessions stored as closed.
 */
async function fromDb(dbFile: string): Promise<{ beaconMissing: Record<string, number>; fittingSessions: number }> {
  const db = await new Promise<sqlite3.Database>((resolve, reject) => {
    const d = new sqlite3.Database(dbFile, sqlite3.OPEN_READONLY, (err) => (err ? reject(err) : resolve(d)));
  });
  const all = <T>(sql: string) => new Promise<T[]>((resolve, reject) => db.all(sql, (err, r) => (err ? reject(err) : resolve(r as T[]))));
  try {
    const beaconMissing: Record<string, number> = {};
    for (const r of await all<{ data: string }>("SELECT data FROM presence_events WHERE type = 'beacon.missing'")) {
      const id = String((JSON.parse(r.data) as { beaconId?: string }).beaconId);
      beaconMissing[id] = (beaconMissing[id] ?? 0) + 1;
    }
    const [fitting] = await all<{ n: number }>('SELECT COUNT(*) AS n FROM fitting_room_sessions WHERE ended_at IS NOT NULL');
    return { beaconMissing, fittingSessions: fitting?.n ?? 0 };
  } finally {
    await new Promise<void>((r) => db.close(() => r()));
  }
}

/**
 * A late size request's alert key holds the request's id (random), a door left open the compartment the gateway
 * chose: the plan knows only that one was late, and that a door was left open.
 */
const alertKeyShape = (key: string) =>
  key.replace(/^fitting:size-request:.+:late$/, 'fitting:size-request:late').replace(/^locker:[^:]+:door_open$/, 'locker:*:door_open');

interface ClosedFittingSession {
  shopperSessionId: string | null;
  items: Array<{ via: string }>;
  suggestionsTaken: string[];
  sizeRequests: Array<{ status: string }>;
  orders: Array<{ delivery: string }>;
}

/** What the gateway stored (HTTP API, SQLite read-only) and forwarded (the local cloud), in the shape of `Expected`. */
export async function observe(o: { staff: StaffClient; cloud: CloudReceiver; parcelIds: Map<string, string>; dbFile?: string; expected: Expected }) {
  const closed = (await o.staff.sessions('closed')).body.sessions ?? [];
  const open = (await o.staff.sessions('open')).body.sessions ?? [];
  const parcels: Expected['parcels'] = {};
  for (const orderId of Object.keys(o.expected.parcels)) {
    const id = o.parcelIds.get(orderId);
    parcels[orderId] = (id ? (await o.staff.parcel(id)).body.status : 'never loaded') as 'picked_up';
  }
  const reasons: Record<string, number> = {};
  let kept = 0;
  let taken = 0;
  for (const r of (await o.staff.returnReasons()).body.reasons ?? []) {
    reasons[`${r.category}/${r.reason}`] = r.count;
    kept += r.kept;
    taken += r.count - r.kept;
  }
  const byType = o.cloud.countByType();
  const cloud: Record<string, number> = {};
  for (const t of Object.keys(o.expected.cloud)) cloud[t] = byType[t] ?? 0;
  const alertKeys = (type: string) =>
    [
      ...new Set(
        o.cloud
          .events()
          .filter((e) => e.type === type)
          .map((e) => alertKeyShape(String(e.data.key))),
      ),
    ].sort();
  const db = o.dbFile ? await fromDb(o.dbFile) : null;
  const fitting = o.cloud
    .events()
    .filter((e) => e.type === 'fitting.session.closed')
    .map((e) => e.data as unknown as ClosedFittingSession);
  const tally = (values: string[]) => {
    const out: Record<string, number> = {};
    for (const v of values) out[v] = (out[v] ?? 0) + 1;
    return out;
  };
  return {
    sessionsClosed: closed.length,
    sessionsOpen: open.length,
    sessionRoutes: closed.map((s) => s.visits.map((v) => v.zone).join('>')).sort(),
    parcels,
    loadFailures: byType['locker.parcel.load_failed'] ?? 0,
    alertsRaised: alertKeys('alert.raised'),
    alertsResolved: alertKeys('alert.resolved'),
    returnsDropped: taken,
    returnsKept: kept,
    returnReasons: reasons,
    beaconMissing: db ? db.beaconMissing : o.expected.beaconMissing,
    fittingSessions: db ? db.fittingSessions : fitting.length,
    fittingLinked: fitting.filter((f) => f.shopperSessionId).length,
    fittingItems: tally(fitting.flatMap((f) => f.items.map((i) => i.via))),
    sizeRequests: tally(fitting.flatMap((f) => f.sizeRequests.map((r) => r.status))),
    orders: tally(fitting.flatMap((f) => f.orders.map((r) => r.delivery))),
    suggestionsTaken: fitting.reduce((n, f) => n + f.suggestionsTaken.length, 0),
    cloud,
  } satisfies Expected;
}

const canon = (v: unknown): string =>
  JSON.stringify(v, (_k, x) =>
    x && typeof x === 'object' && !Array.isArray(x) ? Object.fromEntries(Object.entries(x).sort(([a], [b]) => a.localeCompare(b))) : x,
  );

export interface Check {
  name: string;
  expected: unknown;
  actual: unknown;
  ok: boolean;
}

export function compare(expected: Expected, actual: Expected, extra: Check[] = []): Check[] {
  const checks = (Object.keys(expected) as Array<keyof Expected>).map((k) => ({
    name: k,
    expected: expected[k],
    actual: actual[k],
    ok: canon(expected[k]) === canon(actual[k]),
  }));
  return [...checks, ...extra];
}

/** for records, only the keys whose values differ (so a long map shows what is wrong) */
function diffOf(expected: unknown, actual: unknown): unknown {
  const isRecord = (v: unknown): v is Record<string, unknown> => !!v && typeof v === 'object' && !Array.isArray(v);
  if (!isRecord(expected) || !isRecord(actual)) return actual;
  const keys = new Set([...Object.keys(expected), ...Object.keys(actual)]);
  return Object.fromEntries([...keys].filter((k) => canon(expected[k]) !== canon(actual[k])).map((k) => [k, actual[k] ?? null]));
}

export function formatReport(title: string, checks: Check[]) {
  const show = (v: unknown) => {
    const s = canon(v);
    return s.length > 90 ? `${s.slice(0, 87)}...` : s;
  };
  const lines = [title];
  for (const c of checks) {
    lines.push(`  ${c.ok ? 'ok  ' : 'FAIL'} ${c.name.padEnd(26)} expected ${show(c.expected)}`);
    if (!c.ok) lines.push(`       ${''.padEnd(26)} got      ${show(diffOf(c.expected, c.actual))}`);
  }
  const failed = checks.filter((c) => !c.ok).length;
  lines.push(failed === 0 ? `  all ${checks.length} checks passed` : `  ${failed} of ${checks.length} checks FAILED`);
  return lines.join('\n');
}
