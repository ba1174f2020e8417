import { describe, expect, it } from 'vitest';
import { createPresenceEngine, type EngineOptions, type PresenceChange } from '../../../../gateway/services/presence/engine.ts';
import { distanceFromRssi } from '../../../../gateway/services/presence/rssi-filter.ts';

/**
 * The engine's rules one at a time, with hand-placed advertisements (the seeded traces in engine.test.ts show the
 * whole behaviour; these pin each threshold at its boundary). A first sample sets a link's filter exactly and a
 * repeated equal sample keeps it, so zone scores here are the RSSI values given.
 */
const zoneOfScanner = new Map([
  ['sc-a1', 'denim'],
  ['sc-a2', 'denim'],
  ['sc-b1', 'shoes'],
  ['sc-c1', 'kids'],
]);
const base: EngineOptions = {
  zoneOfScanner,
  alpha: 0.3,
  outlierDb: 12,
  switchMarginDb: 6,
  switchMinMs: 8000,
  scannerStaleMs: 10_000,
  absenceMs: 30_000,
  dwellIntervalMs: 60_000,
  pathLossExponent: 2,
  enterSettleMs: 0,
};
const T0 = 1_700_000_000_000;

function rig(opts: Partial<EngineOptions> = {}) {
  const e = createPresenceEngine({ ...base, ...opts });
  const hear = (scannerId: string, rssi: number, dt: number, powerAt1m: number | null = -59) =>
    e.observe({ subject: 's', scannerId, rssi, powerAt1m, at: T0 + dt });
  return { e, hear };
}

/** in denim at -70 dBm from T0 (two samples: one advertisement is not a visit) */
function inDenim(opts: Partial<EngineOptions> = {}) {
  const r = rig(opts);
  r.hear('sc-a1', -70, 0);
  expect(r.hear('sc-a1', -70, 1)).toMatchObject([{ type: 'entered', zone: 'denim', rssi: -70 }]);
  return r;
}
const moves = (cs: PresenceChange[]) => cs.filter((c) => c.type === 'moved');

describe('presence engine rules at their boundaries', () => {
  it('scores a zone by its strongest scanner, whichever was heard first', () => {
    for (const order of [
      ['sc-a1', 'sc-a2'],
      ['sc-a2', 'sc-a1'],
    ]) {
      const { hear } = rig();
      const rssi = (id: string) => (id === 'sc-a1' ? -60 : -80);
      hear(order[0] as string, rssi(order[0] as string), 0);
      expect(hear(order[1] as string, rssi(order[1] as string), 1), order.join(' then ')).toMatchObject([{ type: 'entered', zone: 'denim', rssi: -60 }]);
    }
  });

  it('moves when the other zone leads by exactly the margin, at the first such advertisement when switchMinMs is 0', () => {
    const { hear } = inDenim({ switchMinMs: 0 });
    expect(hear('sc-b1', -65, 2)).toEqual([]); // 5 dB: not enough
    const { hear: hear2 } = inDenim({ switchMinMs: 0 });
    expect(hear2('sc-b1', -64, 2)).toMatchObject([{ type: 'moved', from: 'denim', to: 'shoes', at: T0 + 2, rssi: -64, dwellMs: 2 }]);
  });

  it('never reports a move into the zone it is in, even without a margin', () => {
    const { hear } = inDenim({ switchMarginDb: 0, switchMinMs: 0 });
    const out = [hear('sc-a1', -70, 2), hear('sc-a2', -60, 3), hear('sc-a1', -50, 4)].flat();
    expect(out).toEqual([]);
  });

  it('moves after the new zone has led for switchMinMs exactly, with the dwell in the old zone', () => {
    const { hear } = inDenim();
    hear('sc-a1', -70, 1000);
    expect(hear('sc-b1', -60, 2000)).toEqual([]);
    expect(hear('sc-b1', -60, 9999)).toEqual([]);
    expect(hear('sc-b1', -60, 10_000)).toMatchObject([{ type: 'moved', from: 'denim', to: 'shoes', at: T0 + 10_000, dwellMs: 10_000 }]);
  });

  it('restarts the hold time when a third zone takes the lead', () => {
    const { hear } = inDenim();
    hear('sc-b1', -60, 1000); // shoes leads from 1 s
    hear('sc-c1', -50, 8000); // kids leads from 8 s
    expect(moves([hear('sc-c1', -50, 9000), hear('sc-c1', -50, 15_999)].flat())).toEqual([]);
    expect(hear('sc-c1', -50, 16_000)).toMatchObject([{ type: 'moved', from: 'denim', to: 'kids' }]);
  });

  it('stops counting a scanner not heard for longer than scannerStaleMs', () => {
    for (const [dt, moved] of [
      [10_001, 0],
      [10_002, 1],
    ] as const) {
      const { hear } = inDenim({ switchMinMs: 0 });
      // sc-a1 last heard at 1 ms; at 10 001 ms it is exactly scannerStaleMs old and still counts (-70 vs -80)
      expect(moves(hear('sc-b1', -80, dt)), `at ${dt} ms`).toHaveLength(moved);
    }
  });

  it('keeps the last known RSSI and distance while the current zone has gone quiet', () => {
    const { e, hear } = inDenim();
    expect(e.get('s')).toMatchObject({ rssi: -70, distanceM: distanceFromRssi(-70, -59, 2) });
    hear('sc-b1', -90, 20_000); // denim stale, shoes now the only zone heard: a candidate, not yet a move
    expect(e.get('s')).toMatchObject({ zone: 'denim', rssi: -70, distanceM: distanceFromRssi(-70, -59, 2) });
  });

  it('follows the current zone’s smoothed RSSI between moves', () => {
    const { e, hear } = inDenim();
    hear('sc-a2', -60, 100);
    expect(e.get('s')).toMatchObject({ zone: 'denim', rssi: -60, distanceM: distanceFromRssi(-60, -59, 2) });
  });

  it('keeps the calibrated power from a frame that carried it when a later one does not, and takes it late', () => {
    const { hear } = rig();
    hear('sc-a1', -79, 0, -59);
    expect(hear('sc-a1', -79, 1, null)).toMatchObject([{ type: 'entered', distanceM: 10 }]);
    const late = rig();
    late.hear('sc-a1', -79, 0, null);
    expect(late.hear('sc-a1', -79, 1, -59)).toMatchObject([{ type: 'entered', distanceM: 10 }]);
    const never = rig();
    never.hear('sc-a1', -79, 0, null);
    expect(never.hear('sc-a1', -79, 1, null)).toMatchObject([{ type: 'entered', distanceM: null }]);
    expect(distanceFromRssi(-79, null, 2)).toBeNull();
  });
});

describe('presence engine ticks', () => {
  it('places a shopper heard twice by the tick after enterSettleMs, counting from the first advertisement', () => {
    const { e, hear } = rig({ enterSettleMs: 3000 });
    expect([hear('sc-a1', -70, 0), hear('sc-a1', -70, 500)].flat()).toEqual([]);
    expect(e.tick(T0 + 2999)).toEqual([]);
    expect(e.tick(T0 + 3000)).toMatchObject([{ type: 'entered', zone: 'denim', at: T0 }]);
  });

  it('does not place a shopper whose scanners all went stale while it settled, and it leaves without an exit', () => {
    const { e, hear } = rig({ enterSettleMs: 15_000 });
    hear('sc-a1', -70, 0);
    hear('sc-a1', -70, 1000);
    expect(e.tick(T0 + 16_000)).toEqual([]);
    expect(e.get('s')?.zone).toBeNull();
    expect(e.tick(T0 + 31_000)).toEqual([]);
    expect(e.size).toBe(0);
  });

  it('reports dwell with the time since entering', () => {
    const { e } = inDenim({ absenceMs: 120_000 });
    expect(e.tick(T0 + 59_999)).toEqual([]);
    expect(e.tick(T0 + 60_001)).toEqual([{ type: 'dwell', subject: 's', zone: 'denim', at: T0 + 60_001, dwellMs: 60_001 }]);
  });

  it('exits exactly absenceMs after the last advertisement, with the dwell up to it', () => {
    const { e, hear } = inDenim();
    hear('sc-a1', -70, 5000);
    expect(e.tick(T0 + 34_999)).toEqual([]);
    expect(e.tick(T0 + 35_000)).toEqual([{ type: 'exited', subject: 's', zone: 'denim', at: T0 + 35_000, lastSeenAt: T0 + 5000, dwellMs: 5000 }]);
  });

  it('drops a scanner link silent for longer than absenceMs while another scanner still hears the shopper', () => {
    const { e, hear } = inDenim();
    hear('sc-a2', -75, 29_000);
    e.tick(T0 + 30_001); // sc-a1 last heard at 1 ms: exactly absenceMs, kept
    expect([...(e.get('s')?.links.keys() ?? [])]).toEqual(['sc-a1', 'sc-a2']);
    e.tick(T0 + 30_002);
    expect([...(e.get('s')?.links.keys() ?? [])]).toEqual(['sc-a2']);
  });

  it('forgets a shopper without an exit; one still advertising starts over', () => {
    const { e, hear } = inDenim();
    expect([...e.subjects().keys()]).toEqual(['s']);
    expect(e.forget('s')).toBe(true);
    expect(e.forget('s')).toBe(false);
    expect(e.get('s')).toBeUndefined();
    expect(e.tick(T0 + 40_000)).toEqual([]);
    hear('sc-b1', -60, 40_000);
    expect(hear('sc-b1', -60, 40_001)).toMatchObject([{ type: 'entered', zone: 'shoes', at: T0 + 40_000 }]);
  });
});
