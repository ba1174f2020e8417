import { type DecodeOptions, decodeGrey, type GreyImage, type PreprocessLimits } from './decode.ts';
import { imageError } from './errors.ts';

export { type DecodeOptions, decodeGrey, type GreyImage, jpegSize, type PreprocessLimits, WORK_MIN_SIDE, workingSize } from './decode.ts';

/**
 * Camera frame → model input. Mirror of models/preprocess.py (the training-side contract); change both
 * together. All pixel math after decoding (decode.ts) is done here in plain integer/float64 steps, not by libvips,
 * so Python and TypeScript produce the same tensor for the same pixels.
 */
export const INPUT_SIZE = 28;
export const MEAN = 0.286;
export const STD = 0.353;
const MAX_GAIN = 8;

function histRank(hist: Uint32Array, k: number): number {
  let acc = 0;
  for (let v = 0; v < 256; v++) {
    acc += hist[v]!;
    if (acc >= k) return v;
  }
  return 255;
}

/** Below this short side an image is a product photo or a crop, whose item may fill it from edge to edge. */
const PHOTO_SIDE = 64;

/**
 * Scratch buffers for frames up to SCRATCH_MAX pixels (a JPEG at its working size is ≈ 12k), reused: toTensor is
 * synchronous, so one call at a time uses them, and a mirror's frames need no fresh zeroed arrays each. A larger
 * image (a PNG is not shrunk on load) gets arrays of its own, freed with it, so the module never holds more than
 * ≈ 1.3 MB.
 */
const SCRATCH_MAX = 1 << 18;
const kept = { fg: new Uint8Array(0), rows: new Uint16Array(0), box: new Uint16Array(0) };
function scratch(n: number): typeof kept {
  if (n > SCRATCH_MAX) return { fg: new Uint8Array(n), rows: new Uint16Array(n), box: new Uint16Array(n) };
  if (kept.fg.length < n) {
    kept.fg = new Uint8Array(n);
    kept.rows = new Uint16Array(n);
    kept.box = new Uint16Array(n);
  }
  return kept;
}

/**
 * Foreground = |v − wall| rounded, into `fg`, where the wall behind the item is estimated from the frame's border: the
 * mean of the border band along each edge, joined across the frame as a Coons patch (the bilinear blend of the four
 * edge profiles). That is exact for a plain wall, a lighting gradient in any direction, curtain folds running down
 * the frame and the grout lines of a tiled wall, which a single border median (the earlier contract) turned into
 * item pixels, or where it missed items of wall-like brightness. A product photo's item may touch its edges, so there
 * the wall is flat: the border band's lower median. The wall is computed per pixel on the way (same float64 steps,
 * in the same order, as models/preprocess.py), not stored.
 */
function foreground(img: GreyImage, fg: Uint8Array): void {
  const { width: w, height: h, data } = img;
  const b = Math.max(1, Math.floor(Math.min(w, h) / 50));
  if (Math.min(w, h) < PHOTO_SIDE) {
    const hist = new Uint32Array(256);
    let n = 0;
    for (let y = 0; y < h; y++)
      for (let x = 0; x < w; x++)
        if (y < b || y >= h - b || x < b || x >= w - b) {
          hist[data[y * w + x]!]!++;
          n++;
        }
    const flat = histRank(hist, Math.floor((n + 1) / 2));
    for (let i = 0; i < w * h; i++) fg[i] = Math.min(255, Math.abs(data[i]! - flat));
    return;
  }
  const colMean = (y0: number) => {
    const m = new Float64Array(w);
    for (let x = 0; x < w; x++) {
      let acc = 0;
      for (let y = y0; y < y0 + b; y++) acc += data[y * w + x]!;
      m[x] = acc / b;
    }
    return m;
  };
  const rowMean = (x0: number) => {
    const m = new Float64Array(h);
    for (let y = 0; y < h; y++) {
      let acc = 0;
      for (let x = x0; x < x0 + b; x++) acc += data[y * w + x]!;
      m[y] = acc / b;
    }
    return m;
  };
  const top = colMean(0);
  const bottom = colMean(h - b);
  const left = rowMean(0);
  const right = rowMean(w - b);
  const c00 = (top[0]! + left[0]!) / 2;
  const c10 = (top[w - 1]! + right[0]!) / 2;
  const c01 = (bottom[0]! + left[h - 1]!) / 2;
  const c11 = (bottom[w - 1]! + right[h - 1]!) / 2;
  const us = new Float64Array(w);
  for (let x = 0; x < w; x++) us[x] = x / (w - 1);
  for (let y = 0; y < h; y++) {
    const v = y / (h - 1);
    const l = left[y]!;
    const r = right[y]!;
    const row = y * w;
    for (let x = 0; x < w; x++) {
      const u = us[x]!;
      const edges = (1 - v) * top[x]! + v * bottom[x]! + ((1 - u) * l + u * r);
      const corners = (1 - u) * (1 - v) * c00 + u * (1 - v) * c10 + ((1 - u) * v * c01 + u * v * c11);
      fg[row + x] = Math.min(255, Math.floor(Math.abs(data[row + x]! - (edges - corners)) + 0.5));
    }
  }
}

/** Per output pixel: the first source index it covers and the overlap weights from there. */
function areaWeights(src: number, dst: number): Array<{ from: number; w: Float64Array }> {
  const scale = src / dst;
  const rows: Array<{ from: number; w: Float64Array }> = [];
  for (let o = 0; o < dst; o++) {
    const lo = o * scale;
    const hi = (o + 1) * scale;
    const from = Math.floor(lo);
    const w = new Float64Array(Math.min(src, Math.ceil(hi)) - from);
    for (let i = 0; i < w.length; i++) w[i] = (Math.min(hi, from + i + 1) - Math.max(lo, from + i)) / scale;
    rows.push({ from, w });
  }
  return rows;
}

/**
 * Greyscale frame → normalised [28*28] Float32 (item light on black), written into `out` at `offset`.
 * Foreground is the distance from the wall estimate either way (|v − wall|): an item darker than the wall, lighter
 * than it, or both in parts (a grey garment on a grey wall) all come out light on black, as in Fashion-MNIST.
 */
export function toTensor(img: GreyImage, out = new Float32Array(INPUT_SIZE * INPUT_SIZE), offset = 0): Float32Array {
  const { width: w, height: h } = img;
  const buf = scratch(w * h);
  const fg = buf.fg;
  foreground(img, fg);
  // noise floor: what the wall estimate leaves unexplained on a ring just inside the border (from 2 to 4 band widths
  // in), where the patch no longer fits the samples it was made from: sensor noise, and texture it does not model
  const b = Math.max(1, Math.floor(Math.min(w, h) / 50));
  const hist = new Uint32Array(256);
  let nb = 0;
  // (a product photo's item may fill it up to the border band, so there the band itself is the reference)
  const photo = Math.min(w, h) < PHOTO_SIDE;
  const r0 = photo ? 0 : 2 * b;
  const r1 = photo ? b : 4 * b;
  const count = (from: number, to: number) => {
    for (let i = from; i < to; i++) hist[fg[i]!]!++;
    if (to > from) nb += to - from;
  };
  for (let y = r0; y < h - r0; y++) {
    const row = y * w;
    if (y < r1 || y >= h - r1) count(row + r0, row + w - r0);
    else {
      // the ring's left and right parts of this row (they meet when the frame is narrow)
      const leftEnd = Math.min(r1, w - r0);
      count(row + r0, row + leftEnd);
      count(row + Math.max(leftEnd, w - r1), row + w - r0);
    }
  }
  const floor = nb ? Math.max(8, 3 * histRank(hist, Math.floor((nb + 1) / 2)) + 6) : 8;
  // the bounding box counts a pixel when its 3x3 neighbourhood averages above the floor: single noisy or texture
  // pixels do not stretch the box, thin straps (3 × their value) still count. A faint item (nothing above the floor)
  // gets a second look at half the floor; a bare wall has nothing there either and is still "no object".
  const box = boxSums3(fg, w, h, buf.rows, buf.box);
  const minRow = Math.max(2, Math.floor(w / 50));
  const minCol = Math.max(2, Math.floor(h / 50));
  let t = floor;
  let [y0, y1, x0, x1] = boundingBox(box, w, h, 9 * floor, minRow, minCol);
  if (y0 < 0 || x0 < 0) {
    t = Math.max(5, floor / 2);
    [y0, y1, x0, x1] = boundingBox(box, w, h, 9 * t, minRow, minCol);
  }
  if (y0 < 0 || x0 < 0) throw imageError('no_object', 'no object found');
  const cw = x1 - x0;
  const ch = y1 - y0;
  hist.fill(0);
  let kept = 0;
  for (let y = y0; y < y1; y++)
    for (let x = x0; x < x1; x++) {
      const i = y * w + x;
      if (fg[i]! > t) {
        hist[fg[i]!]!++;
        kept++;
      } else fg[i] = 0;
    }
  const hi = histRank(hist, Math.ceil(kept * 0.99));
  const gain = Math.min(MAX_GAIN, Math.max(1, 255 / Math.max(hi, 1)));
  // centre the crop on a zero square, then area-average it down (or up) to 28x28
  const s = Math.max(cw, ch);
  const ox = Math.floor((s - cw) / 2);
  const oy = Math.floor((s - ch) / 2);
  const wm = areaWeights(s, INPUT_SIZE);
  const tmp = new Float64Array(ch * INPUT_SIZE); // crop rows x 28 columns
  const gained = new Float64Array(cw);
  for (let y = 0; y < ch; y++) {
    const base = (y + y0) * w + x0;
    for (let x = 0; x < cw; x++) gained[x] = Math.min(255, fg[base + x]! * gain);
    for (let o = 0; o < INPUT_SIZE; o++) {
      const { from, w: wr } = wm[o]!;
      // square column from + k → crop column from + k − ox; outside the crop is padding (0) and adds nothing
      const k0 = Math.max(0, ox - from);
      const k1 = Math.min(wr.length, cw + ox - from);
      let acc = 0;
      for (let k = k0; k < k1; k++) acc += wr[k]! * gained[from + k - ox]!;
      tmp[y * INPUT_SIZE + o] = acc;
    }
  }
  for (let oyy = 0; oyy < INPUT_SIZE; oyy++) {
    const { from, w: wr } = wm[oyy]!;
    const k0 = Math.max(0, oy - from);
    const k1 = Math.min(wr.length, ch + oy - from);
    for (let o = 0; o < INPUT_SIZE; o++) {
      let acc = 0;
      for (let k = k0; k < k1; k++) acc += wr[k]! * tmp[(from + k - oy) * INPUT_SIZE + o]!;
      out[offset + oyy * INPUT_SIZE + o] = (acc / 255 - MEAN) / STD;
    }
  }
  return out;
}

/**
 * 3x3 sums of `v` at every inner pixel into `out` (separable: a row pass into `rows`, then a column pass); the outer
 * ring is not written.
 */
function boxSums3(v: Uint8Array, w: number, h: number, rows: Uint16Array, out: Uint16Array): Uint16Array {
  for (let y = 0; y < h; y++) {
    const r = y * w;
    for (let x = 1; x < w - 1; x++) rows[r + x] = v[r + x - 1]! + v[r + x]! + v[r + x + 1]!;
  }
  for (let y = 1; y < h - 1; y++) {
    const r = y * w;
    for (let x = 1; x < w - 1; x++) out[r + x] = rows[r + x - w]! + rows[r + x]! + rows[r + x + w]!;
  }
  return out;
}

/** [y0, y1, x0, x1] of the rows (columns) with at least minRow (minCol) box sums above `above`; -1s when none. */
function boundingBox(box: Uint16Array, w: number, h: number, above: number, minRow: number, minCol: number): [number, number, number, number] {
  const rowCount = new Uint32Array(h);
  const colCount = new Uint32Array(w);
  for (let y = 1; y < h - 1; y++) {
    const r = y * w;
    for (let x = 1; x < w - 1; x++) {
      if (box[r + x]! > above) {
        rowCount[y]!++;
        colCount[x]!++;
      }
    }
  }
  const [y0, y1] = span(rowCount, minRow);
  const [x0, x1] = span(colCount, minCol);
  return [y0, y1, x0, x1];
}

function span(counts: Uint32Array, min: number): [number, number] {
  let a = -1;
  let b = -1;
  for (let i = 0; i < counts.length; i++) {
    if (counts[i]! >= min) {
      if (a < 0) a = i;
      b = i + 1;
    }
  }
  return [a, b];
}

export async function preprocess(bytes: Buffer, limits: PreprocessLimits, opts: DecodeOptions = {}): Promise<Float32Array> {
  return toTensor(await decodeGrey(bytes, limits, opts));
}
