/**
 * Exponential moving average with outlier clamping. A sample further than `outlierDb` from the current
 * estimate is pulled to that bound before it is averaged in: a single reflection or a body blocking the
 * path moves the estimate a little, while a real change (the shopper walked away) still gets through
 * after a few samples.
 */
export interface RssiFilter {
  value: number;
  samples: number;
}

export function newFilter(rssi: number): RssiFilter {
  return { value: rssi, samples: 1 };
}

export function updateFilter(f: RssiFilter, rssi: number, alpha: number, outlierDb: number): number {
  const clamped = Math.min(f.value + outlierDb, Math.max(f.value - outlierDb, rssi));
  // the first few samples carry more weight so the estimate settles fast
  const a = Math.max(alpha, 1 / (f.samples + 1));
  f.value += a * (clamped - f.value);
  f.samples++;
  return f.value;
}

/** Log-distance path loss: d = 10^((P1m − RSSI) / (10·n)), metres, one decimal. */
export function distanceFromRssi(rssi: number, powerAt1m: number | null, n: number): number | null {
  if (powerAt1m === null) return null;
  return Math.round(10 ** ((powerAt1m - rssi) / (10 * n)) * 10) / 10;
}
