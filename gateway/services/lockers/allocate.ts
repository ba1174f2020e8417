import type { Dims } from './config.ts';

export interface Candidate {
  id: string;
  size: string;
  w: number;
  h: number;
  d: number;
}

const sorted = (x: Dims) => [x.w, x.h, x.d].sort((a, b) => a - b) as [number, number, number];

/** A box fits if, both sorted by edge length, each edge of the parcel is no longer than the compartment's (any rotation). */
export function fits(parcel: Dims, box: Dims): boolean {
  const p = sorted(parcel);
  const b = sorted(box);
  return p[0] <= b[0] && p[1] <= b[1] && p[2] <= b[2];
}

/**
 * Best fit: the smallest free compartment (by volume, then id) the parcel fits in, so large compartments stay
 * free for large parcels. Pure: the caller passes only compartments that are free and in service.
 */
export function bestFit<C extends Candidate>(parcel: Dims, free: C[]): C | null {
  let best: C | null = null;
  const vol = (c: Candidate) => c.w * c.h * c.d;
  for (const c of free) {
    if (!fits(parcel, c)) continue;
    if (!best || vol(c) < vol(best) || (vol(c) === vol(best) && c.id < best.id)) best = c;
  }
  return best;
}
