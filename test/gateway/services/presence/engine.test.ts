import { describe, expect, it } from 'vitest';
import { createPresenceEngine, type EngineOptions, type PresenceChange } from '../../../../gateway/services/presence/engine.ts';
import { generateTrace, type Scanner, type TraceSample, walkPath } from './trace.ts';

// Two zones 12 m apart, two scanners each.
const scanners: Scanner[] = [
  { id: 'sc-a1', x: 0, y: 0 },
  { id: 'sc-a2', x: 3, y: 0 },
  { id: 'sc-b1', x: 12, y: 0 },
  { id: 'sc-b2', x: 15, y: 0 },
];
const zoneOfScanner = new Map([
  ['sc-a1', 'denim'],
  ['sc-a2', 'denim'],
  ['sc-b1', 'shoes'],
  ['sc-b2', 'shoes'],
]);

const options: EngineOptions = {
  zoneOfScanner,
  alpha: 0.3,
  outlierDb: 12,
  switchMarginDb: 6,
  switchMinMs: 8000,
  scannerStaleMs: 10_000,
  absenceMs: 30_000,
  dwellIntervalMs: 60_000,
  pathLossExponent: 2.2,
  enterSettleMs: 3000,
};

const T0 = 1_700_000_000_000;
const TICK = 1000;

/** Replays a trace through the engine with a tick every second, as the service's timer does. */
function replay(trace: TraceSample[], untilMs: number, opts: EngineOptions = options) {
  const engine = createPresenceEngine(opts);
  const changes: PresenceChange[] = [];
  let i = 0;
  for (let now = 0; now <= untilMs; now += TICK) {
    while (i < trace.length && (trace[i] as TraceSample).t <= now) {
      const s = trace[i++] as TraceSample;
      changes.push(...engine.observe({ subject: 'shopper-1', scannerId: s.scannerId, rssi: s.rssi, powerAt1m: -59, at: T0 + s.t }));
    }
    changes.push(...engine.tick(T0 + now));
  }
  return { changes, engine };
}

const seeds = Array.from({ length: 25 }, (_, i) => 1000 + i);

describe('presence engine on seeded noisy traces', () => {
  it.each(seeds)('a shopper who moves once from denim to shoes changes zone at most once (seed %i)', (seed) => {
    const path = walkPath({ x: 1.5, y: 1.5 }, { x: 13.5, y: 1.5 }, 120_000, 10_000, 300_000);
    const trace = generateTrace({ seed, scanners, path, durationMs: 300_000 });
    const { changes } = replay(trace, 400_000);
    const kinds = changes.filter((c) => c.type !== 'dwell').map((c) => c.type);
    expect(kinds).toEqual(['entered', 'moved', 'exited']);
    const [entered, moved, exited] = changes.filter((c) => c.type !== 'dwell');
    expect(entered).toMatchObject({ zone: 'denim' });
    expect(moved).toMatchObject({ from: 'denim', to: 'shoes' });
    // the move is reported after the walk started, and not long after it ended
    expect((moved as { at: number }).at - T0).toBeGreaterThan(120_000);
    expect((moved as { at: number }).at - T0).toBeLessThan(150_000);
    expect(exited).toMatchObject({ zone: 'shoes' });
  });

  it.each(seeds)('the exit fires once the absence timeout has passed after the last advertisement (seed %i)', (seed) => {
    const path = walkPath({ x: 1.5, y: 1.5 }, { x: 1.5, y: 1.5 }, 0, 1, 90_000);
    const trace = generateTrace({ seed, scanners, path, durationMs: 90_000 });
    const last = (trace[trace.length - 1] as TraceSample).t;
    const { changes, engine } = replay(trace, 200_000);
    const exited = changes.find((c) => c.type === 'exited') as Extract<PresenceChange, { type: 'exited' }>;
    expect(exited.lastSeenAt).toBe(T0 + last);
    expect(exited.at - exited.lastSeenAt).toBeGreaterThanOrEqual(options.absenceMs);
    expect(exited.at - exited.lastSeenAt).toBeLessThan(options.absenceMs + TICK);
    expect(engine.size).toBe(0);
  });

  it.each(seeds)('a shopper standing between two zones does not flap (seed %i)', (seed) => {
    // 1 m nearer to denim than to shoes, for ten minutes
    const path = walkPath({ x: 7, y: 2 }, { x: 7, y: 2 }, 0, 1, 600_000);
    const trace = generateTrace({ seed, scanners, path, durationMs: 600_000, noiseDb: 5 });
    const { changes } = replay(trace, 600_000);
    expect(changes.filter((c) => c.type === 'moved').length).toBeLessThanOrEqual(1);
  });

  it('reports dwell periodically while the shopper stays', () => {
    const path = walkPath({ x: 1.5, y: 1.5 }, { x: 1.5, y: 1.5 }, 0, 1, 200_000);
    const { changes } = replay(generateTrace({ seed: 7, scanners, path, durationMs: 200_000 }), 200_000);
    const dwell = changes.filter((c) => c.type === 'dwell');
    expect(dwell).toHaveLength(3);
    const ms = dwell.map((d) => (d as { dwellMs: number }).dwellMs);
    expect([(ms[1] as number) - (ms[0] as number), (ms[2] as number) - (ms[1] as number)]).toEqual([60_000, 60_000]);
  });

  it('without hysteresis the same noisy boundary trace flaps (the margin is what prevents it)', () => {
    const path = walkPath({ x: 7, y: 2 }, { x: 7, y: 2 }, 0, 1, 600_000);
    const trace = generateTrace({ seed: 1003, scanners, path, durationMs: 600_000, noiseDb: 5 });
    const { changes } = replay(trace, 600_000, { ...options, switchMarginDb: 0, switchMinMs: 0 });
    expect(changes.filter((c) => c.type === 'moved').length).toBeGreaterThan(5);
  });
});

describe('presence engine basics', () => {
  it('places a new shopper by all scanners heard while settling, not by the first one', () => {
    const e = createPresenceEngine(options);
    expect(e.observe({ subject: 's', scannerId: 'sc-b1', rssi: -88, powerAt1m: -59, at: T0 })).toEqual([]);
    e.observe({ subject: 's', scannerId: 'sc-a1', rssi: -62, powerAt1m: -59, at: T0 + 1000 });
    const out = e.observe({ subject: 's', scannerId: 'sc-a1', rssi: -61, powerAt1m: -59, at: T0 + 3000 });
    expect(out).toMatchObject([{ type: 'entered', zone: 'denim', at: T0 }]);
  });

  it('forgets a subject heard once that never settles, without an exit', () => {
    const e = createPresenceEngine(options);
    e.observe({ subject: 's', scannerId: 'sc-a1', rssi: -90, powerAt1m: -59, at: T0 });
    expect(e.tick(T0 + 5000)).toEqual([]);
    expect(e.tick(T0 + 31_000)).toEqual([]);
    expect(e.size).toBe(0);
  });

  it('ignores advertisements from a scanner that belongs to no zone', () => {
    const e = createPresenceEngine(options);
    expect(e.observe({ subject: 's', scannerId: 'nowhere', rssi: -60, powerAt1m: -59, at: T0 })).toEqual([]);
    expect(e.size).toBe(0);
  });

  it('estimates distance from calibrated power and the smoothed RSSI', () => {
    const e = createPresenceEngine({ ...options, enterSettleMs: 0 });
    e.observe({ subject: 's', scannerId: 'sc-a1', rssi: -59 - 22, powerAt1m: -59, at: T0 });
    const [c] = e.observe({ subject: 's', scannerId: 'sc-a1', rssi: -59 - 22, powerAt1m: -59, at: T0 + 1000 });
    expect(c).toMatchObject({ type: 'entered', distanceM: 10 });
  });

  it('clamps a single deep fade so it does not move the shopper', () => {
    const e = createPresenceEngine({ ...options, switchMinMs: 0, enterSettleMs: 0 });
    const out: PresenceChange[] = [];
    for (let i = 0; i < 10; i++) {
      out.push(...e.observe({ subject: 's', scannerId: 'sc-a1', rssi: -60, powerAt1m: -59, at: T0 + i * 1000 }));
      out.push(...e.observe({ subject: 's', scannerId: 'sc-b1', rssi: -75, powerAt1m: -59, at: T0 + i * 1000 + 10 }));
    }
    out.push(...e.observe({ subject: 's', scannerId: 'sc-a1', rssi: -95, powerAt1m: -59, at: T0 + 10_000 }));
    expect(out.map((c) => c.type)).toEqual(['entered']);
  });
});
