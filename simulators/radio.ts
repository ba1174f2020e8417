import type { Rng } from './rng.ts';

export interface Point {
  x: number;
  y: number;
}

/** Log-distance path loss with shadowing noise, dropouts and a receiver floor: what an ESP32 or phone hears indoors. */
export interface RadioModel {
  /** 2 in free space, 2–3 in a shop full of racks and people */
  pathLossExponent: number;
  /** standard deviation of the shadowing noise, dB */
  noiseSd: number;
  /** share of advertisements a scanner misses (collisions, channel hopping, body blocking) */
  dropout: number;
  /** weaker than this is not heard */
  floorDbm: number;
}

export const STORE_RADIO: RadioModel = { pathLossExponent: 2.2, noiseSd: 3, dropout: 0.1, floorDbm: -95 };

export const distance = (a: Point, b: Point) => Math.hypot(a.x - b.x, a.y - b.y);

/** RSSI (integer dBm) a scanner at `d` metres hears from a transmitter with `txAt1m` measured power, or null when missed. */
export function rssiAt(txAt1m: number, d: number, rng: Rng, m: RadioModel = STORE_RADIO): number | null {
  const missed = rng.chance(m.dropout);
  // shadowing is bounded in a real room: clamp the tail at 2.5 sd so a far scanner never hears a low-power beacon
  const noise = Math.max(-2.5 * m.noiseSd, Math.min(2.5 * m.noiseSd, rng.normal(m.noiseSd)));
  if (missed) return null;
  const rssi = Math.round(txAt1m - 10 * m.pathLossExponent * Math.log10(Math.max(d, 0.3)) + noise);
  if (rssi < m.floorDbm) return null;
  return Math.max(-127, Math.min(-1, rssi));
}
