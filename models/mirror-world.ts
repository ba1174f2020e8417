/**
 * The world a fitting-room mirror camera sees, as a seeded scene sampler and renderer: a Fashion-MNIST item (28x28) at
 * any size, position and tilt, on a plain, gradient, curtain-like or tiled wall of any brightness, under a lighting
 * gradient and maybe a shadow, with the camera's colour cast, blur, sensor noise and JPEG artefacts. Used for the
 * training frames (models/render-training.ts, train split) and the held-out evaluation (models/heldout-set.ts, t10k).
 */
import type SharpFn from 'sharp';
import { xorshift } from './camera-frames.ts';

const loadSharp = async (): Promise<typeof SharpFn> => (await import('sharp')).default;

export type Background = 'plain' | 'gradient' | 'curtain' | 'tiled';
export const BACKGROUNDS: Background[] = ['plain', 'gradient', 'curtain', 'tiled'];

export interface Scene {
  width: number;
  height: number;
  background: Background;
  /** mean wall brightness, 0..255 */
  wall: number;
  /** item size as a fraction of the frame's short side */
  scale: number;
  /** degrees */
  angle: number;
  flip: boolean;
  /** 'ink': the item darkens or lightens the wall by its Fashion-MNIST intensity; 'cloth': a garment of its own tone */
  item: 'ink' | 'cloth';
  /** signed item-minus-wall brightness (mean over the item), the contrast the preprocessing has to find */
  contrast: number;
  /** camera white balance, per channel gain */
  tint: [number, number, number];
  /** wall colour (per channel factor) */
  wallColour: [number, number, number];
  blur: number;
  noise: number;
  quality: number;
  shadow: boolean;
  seed: number;
}

export type Rand = () => number;

const between = (r: Rand, lo: number, hi: number) => lo + r() * (hi - lo);
const pick = <T>(r: Rand, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;

/** Scene ranges: `fixed` pins any field (the held-out set uses it to cover every condition evenly). */
export function randomScene(seed: number, fixed: Partial<Scene> = {}): Scene {
  const r = xorshift(Math.imul(seed, 2654435761) ^ 12345);
  r();
  const big = r() < 0.5;
  const wall = Math.round(between(r, 15, 240));
  // contrast: any sign the wall leaves room for, often small (a grey shirt on a grey wall)
  const up = 250 - wall;
  const down = wall - 5;
  const mag = r() < 0.3 ? between(r, 8, 30) : between(r, 30, 150);
  const sign = up < 40 ? -1 : down < 40 ? 1 : r() < 0.5 ? -1 : 1;
  const contrast = Math.round(sign * Math.min(mag, sign > 0 ? up : down));
  const wb = between(r, -0.18, 0.18);
  const scene: Scene = {
    width: big ? 640 : 320,
    height: big ? 480 : 240,
    background: pick(r, BACKGROUNDS),
    wall,
    scale: between(r, 0.35, 0.9),
    angle: between(r, -15, 15),
    flip: r() < 0.5,
    item: r() < 0.5 ? 'ink' : 'cloth',
    contrast,
    tint: [1 + wb + between(r, -0.05, 0.05), 1 + between(r, -0.05, 0.05), 1 - wb + between(r, -0.05, 0.05)],
    wallColour: [between(r, 0.75, 1.2), between(r, 0.8, 1.15), between(r, 0.75, 1.2)],
    blur: r() < 0.4 ? 0 : between(r, 0.3, 2.5),
    noise: between(r, 0, 16),
    quality: Math.round(between(r, 30, 95)),
    shadow: r() < 0.35,
    seed,
  };
  return { ...scene, ...fixed };
}

/** The wall's brightness at every pixel (before lighting): one of the four kinds around `scene.wall`. */
function wallField(s: Scene, r: Rand): Float32Array {
  const { width: w, height: h } = s;
  const f = new Float32Array(w * h);
  const k = w / 320; // scene sizes are in 320-wide units
  if (s.background === 'plain' || s.background === 'gradient') {
    const amp = s.background === 'gradient' ? between(r, 25, 90) : 0;
    const th = r() * Math.PI * 2;
    const cx = Math.cos(th) / w;
    const cy = Math.sin(th) / h;
    for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) f[y * w + x] = s.wall + amp * ((x - w / 2) * cx + (y - h / 2) * cy);
  } else if (s.background === 'curtain') {
    // vertical folds: a few sines of different periods, the phase drifting down the drape
    const waves = Array.from({ length: 3 }, () => ({ p: between(r, 10, 70) * k, a: between(r, 6, 30), ph: r() * 6.28, drift: between(r, -0.03, 0.03) }));
    for (let y = 0; y < h; y++)
      for (let x = 0; x < w; x++) {
        let v = s.wall;
        for (const wv of waves) v += wv.a * Math.sin((2 * Math.PI * (x + wv.drift * y)) / wv.p + wv.ph);
        f[y * w + x] = v;
      }
  } else {
    const tile = between(r, 18, 70) * k;
    const grout = Math.max(1, Math.round(between(r, 1, 4) * k));
    const groutLevel = between(r, -60, 60);
    const jitter = between(r, 0, 10);
    const checker = r() < 0.15 ? between(r, 8, 25) : 0;
    const ox = r() * tile;
    const oy = r() * tile;
    const tileShade = Array.from({ length: 4096 }, () => between(r, -jitter, jitter));
    for (let y = 0; y < h; y++)
      for (let x = 0; x < w; x++) {
        const tx = Math.floor((x + ox) / tile);
        const ty = Math.floor((y + oy) / tile);
        const inGrout = (x + ox) % tile < grout || (y + oy) % tile < grout;
        f[y * w + x] = inGrout ? s.wall + groutLevel : s.wall + tileShade[(tx * 67 + ty * 31) & 4095]! + ((tx + ty) & 1 ? checker : -checker);
      }
  }
  return f;
}

/** Lighting over the whole scene (wall and item): a soft gradient and maybe a shadow blob. */
function lightField(s: Scene, r: Rand): Float32Array {
  const { width: w, height: h } = s;
  const f = new Float32Array(w * h);
  const g = between(r, 0, 0.35);
  const th = r() * Math.PI * 2;
  const sx = s.shadow ? between(r, 0, w) : 0;
  const sy = s.shadow ? between(r, 0, h) : 0;
  const rad = between(r, 0.4, 1) * Math.min(w, h);
  const depth = s.shadow ? between(r, 0.08, 0.25) : 0;
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) {
      let l = 1 + g * (((x - w / 2) / w) * Math.cos(th) + ((y - h / 2) / h) * Math.sin(th));
      if (depth) {
        const d2 = ((x - sx) ** 2 + (y - sy) ** 2) / (rad * rad);
        l *= 1 - depth * Math.exp(-d2);
      }
      f[y * w + x] = l;
    }
  return f;
}

function itemAt(item: Uint8Array, u: number, v: number): number {
  return u < 0 || v < 0 || u > 27 || v > 27 ? 0 : item[v * 28 + u]!;
}

/** The item scaled, turned and flipped onto a side x side square by bilinear sampling: 0..1 coverage values. */
function placeItem(item: Uint8Array, side: number, angle: number, flip: boolean): { size: number; px: Float32Array } {
  const a = (angle * Math.PI) / 180;
  const size = Math.ceil(side * (Math.abs(Math.cos(a)) + Math.abs(Math.sin(a))));
  const px = new Float32Array(size * size);
  const c = size / 2;
  const k = 28 / side;
  const cos = Math.cos(a);
  const sin = Math.sin(a);
  for (let y = 0; y < size; y++)
    for (let x = 0; x < size; x++) {
      const dx = x + 0.5 - c;
      const dy = y + 0.5 - c;
      let u = (cos * dx + sin * dy) * k + 14 - 0.5;
      const v = (-sin * dx + cos * dy) * k + 14 - 0.5;
      if (flip) u = 27 - u;
      const u0 = Math.floor(u);
      const v0 = Math.floor(v);
      if (u0 < -1 || v0 < -1 || u0 > 27 || v0 > 27) continue;
      const fu = u - u0;
      const fv = v - v0;
      const val =
        (1 - fv) * ((1 - fu) * itemAt(item, u0, v0) + fu * itemAt(item, u0 + 1, v0)) +
        fv * ((1 - fu) * itemAt(item, u0, v0 + 1) + fu * itemAt(item, u0 + 1, v0 + 1));
      px[y * size + x] = val / 255;
    }
  return { size, px };
}

/** Renders the scene around `item` (784 bytes, light on black) to a colour JPEG. Deterministic per scene. */
export async function renderScene(item: Uint8Array, s: Scene): Promise<Buffer> {
  const sharp = await loadSharp();
  const r = xorshift(Math.imul(s.seed, 40503) ^ 0x5bd1e995);
  r();
  const { width: w, height: h } = s;
  const wallF = wallField(s, r);
  const light = lightField(s, r);
  const side = Math.round(Math.min(w, h) * s.scale);
  const { size, px } = placeItem(item, side, s.angle, s.flip);
  // off-centre anywhere, but the item stays whole in the frame (a shopper holds it up in view)
  const x0 = Math.floor(r() * Math.max(1, w - size)) + Math.min(0, Math.floor((w - size) / 2));
  const y0 = Math.floor(r() * Math.max(1, h - size)) + Math.min(0, Math.floor((h - size) / 2));
  let sum = 0;
  let n = 0;
  for (const v of px) if (v > 0.1) ((sum += v), n++);
  const meanCover = n ? sum / n : 1;
  // ink: wall + k * coverage, k chosen so the item's mean differs from the wall by `contrast`;
  // cloth: a garment tone wall+contrast, its Fashion-MNIST shading as ± texture, alpha from coverage
  const inkGain = s.contrast / meanCover;
  const texture = between(r, 0.2, 0.6) * Math.min(120, Math.max(30, Math.abs(s.contrast) + 30));
  const itemColour = [between(r, 0.8, 1.2), between(r, 0.8, 1.2), between(r, 0.8, 1.2)];
  const rgb = new Float32Array(w * h * 3);
  const [wr, wg, wb] = s.wallColour;
  const [tr, tg, tb] = s.tint;
  const [ir, ig, ib] = itemColour as [number, number, number];
  const tone0 = s.wall + s.contrast;
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) {
      const i = y * w + x;
      const base = wallF[i]!;
      const ix = x - x0;
      const iy = y - y0;
      const cover = ix >= 0 && iy >= 0 && ix < size && iy < size ? px[iy * size + ix]! : 0;
      let r0 = base * wr;
      let g0 = base * wg;
      let b0 = base * wb;
      if (cover > 0) {
        if (s.item === 'ink') {
          const k = inkGain * cover;
          r0 += k * (0.5 + 0.5 * wr);
          g0 += k * (0.5 + 0.5 * wg);
          b0 += k * (0.5 + 0.5 * wb);
        } else {
          const alpha = Math.min(1, cover * 4);
          const shade = texture * (cover - meanCover);
          r0 = r0 * (1 - alpha) + (tone0 * ir - shade) * alpha;
          g0 = g0 * (1 - alpha) + (tone0 * ig - shade) * alpha;
          b0 = b0 * (1 - alpha) + (tone0 * ib - shade) * alpha;
        }
      }
      const l = light[i]!;
      rgb[i * 3] = r0 * l * tr;
      rgb[i * 3 + 1] = g0 * l * tg;
      rgb[i * 3 + 2] = b0 * l * tb;
    }
  const bytes = Buffer.alloc(w * h * 3);
  for (let i = 0; i < bytes.length; i++) bytes[i] = Math.max(0, Math.min(255, Math.round(rgb[i]!)));
  let img = bytes;
  if (s.blur >= 0.3) img = await sharp(bytes, { raw: { width: w, height: h, channels: 3 } }).blur(s.blur * (w / 320)).raw().toBuffer();
  if (s.noise > 0) {
    for (let i = 0; i < img.length; i++) {
      const g = (r() + r() + r() + r() - 2) * 1.732; // ≈ unit normal
      img[i] = Math.max(0, Math.min(255, Math.round(img[i]! + g * s.noise)));
    }
  }
  return sharp(img, { raw: { width: w, height: h, channels: 3 } }).jpeg({ quality: s.quality }).toBuffer();
}
