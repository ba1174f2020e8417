/**
 * Recorded-style RSSI traces from a seeded generator: log-distance path loss, Gaussian shadowing noise,
 * dropouts (a scanner misses an advertisement), and occasional deep fades (a body between phone and scanner).
 */
export function mulberry32(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function gaussian(rand: () => number) {
  const u = 1 - rand();
  const v = rand();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}

export interface Scanner {
  id: string;
  x: number;
  y: number;
}

export interface TraceOptions {
  seed: number;
  scanners: Scanner[];
  /** where the phone is at time t (ms from start); null once the app stops advertising */
  path: (t: number) => { x: number; y: number } | null;
  durationMs: number;
  advIntervalMs?: number;
  powerAt1m?: number;
  pathLossExponent?: number;
  noiseDb?: number;
  dropout?: number;
  fadeProbability?: number;
  fadeDb?: number;
  sensitivityDbm?: number;
}

export interface TraceSample {
  t: number;
  scannerId: string;
  rssi: number;
}

export function generateTrace(o: TraceOptions): TraceSample[] {
  const rand = mulberry32(o.seed);
  const interval = o.advIntervalMs ?? 1000;
  const p1 = o.powerAt1m ?? -59;
  const n = o.pathLossExponent ?? 2.2;
  const out: TraceSample[] = [];
  for (let t = 0; t < o.durationMs; t += interval) {
    const pos = o.path(t);
    if (!pos) continue;
    for (const s of o.scanners) {
      if (rand() < (o.dropout ?? 0.3)) continue;
      const d = Math.max(0.3, Math.hypot(pos.x - s.x, pos.y - s.y));
      let rssi = p1 - 10 * n * Math.log10(d) + gaussian(rand) * (o.noiseDb ?? 4);
      if (rand() < (o.fadeProbability ?? 0.05)) rssi -= o.fadeDb ?? 15;
      rssi = Math.round(rssi);
      if (rssi < (o.sensitivityDbm ?? -100)) continue;
      // scanners do not hear in lockstep
      out.push({ t: t + Math.floor(rand() * 200), scannerId: s.id, rssi });
    }
  }
  return out.sort((a, b) => a.t - b.t);
}

/** A shopper who stands at `a` until `leaveAt`, walks to `b` in `walkMs`, stays until `stopAt`, then the app stops. */
export function walkPath(a: { x: number; y: number }, b: { x: number; y: number }, leaveAt: number, walkMs: number, stopAt: number) {
  return (t: number) => {
    if (t >= stopAt) return null;
    if (t < leaveAt) return a;
    const f = Math.min(1, (t - leaveAt) / walkMs);
    return { x: a.x + (b.x - a.x) * f, y: a.y + (b.y - a.y) * f };
  };
}
