/**
 * The held-out camera set: frames rendered from t10k items only (training renders the train split), with seeds from
 * a range training never uses, and the hard conditions spread evenly (every background kind × wall brightness ×
 * item-vs-wall contrast in turn) instead of left to chance. Each frame carries its condition buckets for the table.
 */
import { xorshift } from './camera-frames.ts';
import { BACKGROUNDS, randomScene, type Scene } from './mirror-world.ts';

/** training seeds are the train-split index times the pass (< 10^6); these start far above */
const HELDOUT_SEED = 50_000_000;

const WALLS = [
  ['dark', 15, 85],
  ['mid', 85, 170],
  ['light', 170, 240],
] as const;
const CONTRASTS = [
  ['similar', 8, 25],
  ['medium', 25, 70],
  ['high', 70, 150],
] as const;

/**
 * An item-vs-wall contrast from band `c` of CONTRASTS, with the sign the wall leaves room for (a mid wall takes
 * either, which draws from `r` first). Also used by models/render-training.ts --contrast even.
 */
export function contrastInBand(c: number, wall: number, r: () => number): number {
  const [, clo, chi] = CONTRASTS[c % 3]!;
  const sign = wall > 170 ? -1 : wall < 85 ? 1 : r() < 0.5 ? -1 : 1;
  const room = sign > 0 ? 250 - wall : wall - 5;
  return Math.round(sign * Math.min(room, clo + r() * (chi - clo)));
}

export function heldoutScene(i: number): Scene {
  const r = xorshift(HELDOUT_SEED + i * 7919);
  r();
  const [, wlo, whi] = WALLS[Math.floor(i / 4) % 3]!;
  const wall = Math.round(wlo + r() * (whi - wlo));
  const contrast = contrastInBand(Math.floor(i / 12), wall, r);
  return randomScene(HELDOUT_SEED + i, { background: BACKGROUNDS[i % 4]!, wall, contrast });
}

const bucket = (v: number, edges: number[], names: string[]) => names[edges.filter((e) => v >= e).length]!;

/** The condition buckets a frame is counted under in the per-condition table. */
export function conditionsOf(s: Scene): Record<string, string> {
  const c = Math.abs(s.contrast);
  return {
    background: s.background,
    'wall brightness': bucket(s.wall, [85, 170], ['dark <85', 'mid 85-170', 'light >170']),
    'item vs wall contrast': bucket(c, [25, 70], ['similar <25', 'medium 25-70', 'high ≥70']),
    'item size (of short side)': bucket(s.scale, [0.5, 0.7], ['35-50 %', '50-70 %', '70-90 %']),
    'angle': bucket(Math.abs(s.angle), [5, 10], ['0-5°', '5-10°', '10-15°']),
    'JPEG quality': bucket(s.quality, [50, 75], ['30-49', '50-74', '75-95']),
    'frame': `${s.width}x${s.height}`,
    'item rendering': s.item,
    'blur': s.blur < 0.3 ? 'none' : s.blur < 1.4 ? 'σ 0.3-1.4' : 'σ 1.4-2.5',
    'noise': bucket(s.noise, [6, 11], ['σ 0-6', 'σ 6-11', 'σ 11-16']),
    'shadow': s.shadow ? 'yes' : 'no',
  };
}
