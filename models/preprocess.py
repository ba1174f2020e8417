"""The camera-frame preprocessing contract, in Python. Mirror of
gateway/services/recognition/preprocess.ts: change both together (test/models parity fixture checks it).

frame (any size, JPEG/PNG/WebP) -> float32 [1,28,28], item light on black, normalised like training.
Steps: decode (a JPEG shrunk on load to the gateway's working size) -> greyscale (integer Rec.601) -> wall = Coons
patch of the four border-band profiles -> foreground = |v - wall| (either polarity) -> noise floor from a ring just
inside the border -> bounding box from rows/columns of 3x3 neighbourhoods above the floor (half the floor for a faint
item) -> stretch contrast (gain 1..8) -> centre on a square -> area-average resize to 28x28 -> (x/255 - MEAN) / STD.
"""
import io

import numpy as np
from PIL import Image, ImageOps

MEAN, STD = 0.2860, 0.3530
SIZE = 28
MAX_GAIN = 8.0
WORK_MIN_SIDE = 80
PHOTO_SIDE = 64


def working_size(width, height):
    """As workingSize() in preprocess.ts: 1/(s+1) of the frame for the largest s in 8, 4, 2 keeping the short side
    >= 80, so that sharp's shrink-on-load really asks libjpeg for 1/s."""
    s = 8
    while s > 1 and min(width, height) / (s + 1) < WORK_MIN_SIDE:
        s //= 2
    if s == 1:
        return None
    return width // (s + 1), height // (s + 1)


def sharp_jpeg_shrink(shrink):
    """sharp's JPEG shrink-on-load factor for a resize by `shrink` (src/pipeline.cc, fastShrinkOnLoad): the largest of
    8, 4, 2 not above it, halved when the integer part of the shrink equals it ("known libjpeg rounding errors")."""
    s = 8 if shrink >= 8 else 4 if shrink >= 4 else 2 if shrink >= 2 else 1
    if s > 1 and int(shrink) == s:
        s //= 2
    return s


def nearest(arr, w, h, shrink):
    """libvips' nearest-neighbour resize by 1/shrink (sharp's resize(..., kernel 'nearest') after shrink-on-load):
    output pixel x takes source pixel floor((x + 0.5) * shrink)."""
    H, W = arr.shape[:2]
    xs = np.minimum(W - 1, np.floor((np.arange(w) + 0.5) * shrink).astype(np.int64))
    ys = np.minimum(H - 1, np.floor((np.arange(h) + 0.5) * shrink).astype(np.int64))
    return arr[ys][:, xs]


def decode_grey(data: bytes, shrink_on_load=True) -> np.ndarray:
    img = Image.open(io.BytesIO(data))
    work = working_size(*img.size) if img.format == 'JPEG' and shrink_on_load else None
    if work and img.getexif().get(0x0112, 1) == 1:
        # what sharp does for resize(work, nearest): libjpeg's scaled inverse DCT at its shrink-on-load factor, then
        # libvips' nearest-neighbour step to the working size
        # (fit 'outside': both sides shrink by the smaller factor, rounded half to even as C's rint)
        w0, h0 = img.size
        shrink = min(w0 / work[0], h0 / work[1])
        s = sharp_jpeg_shrink(shrink)
        img.draft('RGB', (-(-w0 // s), -(-h0 // s)))
        rgb = np.asarray(img.convert('RGB'), dtype=np.int64)
        rgb = nearest(rgb, int(round(w0 / shrink)), int(round(h0 / shrink)), shrink / s)
        return (299 * rgb[..., 0] + 587 * rgb[..., 1] + 114 * rgb[..., 2] + 500) // 1000
    img = ImageOps.exif_transpose(img)
    if img.mode in ('RGBA', 'LA', 'PA') or (img.mode == 'P' and 'transparency' in img.info):
        img = img.convert('RGBA')
        white = Image.new('RGBA', img.size, (255, 255, 255, 255))
        img = Image.alpha_composite(white, img)
    if img.mode in ('L', 'I;16', 'I'):
        return np.asarray(img.convert('L'), dtype=np.int64)
    rgb = np.asarray(img.convert('RGB'), dtype=np.int64)
    return (299 * rgb[..., 0] + 587 * rgb[..., 1] + 114 * rgb[..., 2] + 500) // 1000


def hist_rank(values: np.ndarray, k: int) -> int:
    """Smallest v with at least k values <= v (the histogram walk in TypeScript)."""
    h = np.bincount(values.ravel(), minlength=256)
    return int(min(255, np.searchsorted(np.cumsum(h), k)))


def border_band(g: np.ndarray) -> np.ndarray:
    h, w = g.shape
    b = max(1, min(w, h) // 50)
    return np.concatenate([g[:b, :].ravel(), g[h - b:, :].ravel(), g[b:h - b, :b].ravel(), g[b:h - b, w - b:].ravel()])


def wall_estimate(g: np.ndarray) -> np.ndarray:
    """Coons patch of the four border-band mean profiles; a product photo (short side < 64) gets a flat wall, the
    border band's lower median (its item may touch the edges)."""
    h, w = g.shape
    b = max(1, min(w, h) // 50)
    if min(w, h) < PHOTO_SIDE:
        band = border_band(g)
        return np.full((h, w), float(hist_rank(band, (band.size + 1) // 2)))
    # integer sums, so the float values match the TypeScript loop exactly
    top = g[:b, :].sum(0).astype(np.float64) / b
    bottom = g[h - b:, :].sum(0).astype(np.float64) / b
    left = g[:, :b].sum(1).astype(np.float64) / b
    right = g[:, w - b:].sum(1).astype(np.float64) / b
    c00 = (top[0] + left[0]) / 2
    c10 = (top[w - 1] + right[0]) / 2
    c01 = (bottom[0] + left[h - 1]) / 2
    c11 = (bottom[w - 1] + right[h - 1]) / 2
    v = (np.arange(h, dtype=np.float64) / (h - 1))[:, None]
    u = (np.arange(w, dtype=np.float64) / (w - 1))[None, :]
    edges = (1 - v) * top[None, :] + v * bottom[None, :] + ((1 - u) * left[:, None] + u * right[:, None])
    corners = (1 - u) * (1 - v) * c00 + u * (1 - v) * c10 + ((1 - u) * v * c01 + u * v * c11)
    return edges - corners


def area_weights(src: int, dst: int) -> np.ndarray:
    w = np.zeros((dst, src))
    scale = src / dst
    for o in range(dst):
        lo, hi = o * scale, (o + 1) * scale
        for i in range(int(np.floor(lo)), min(src, int(np.ceil(hi)))):
            w[o, i] = (min(hi, i + 1) - max(lo, i)) / scale
    return w


def span(counts: np.ndarray, least: int):
    idx = np.nonzero(counts >= least)[0]
    return (int(idx[0]), int(idx[-1]) + 1) if idx.size else (-1, -1)


def preprocess_grey(g: np.ndarray) -> np.ndarray:
    h, w = g.shape
    wall = wall_estimate(g)
    fg = np.minimum(255, np.floor(np.abs(g - wall) + 0.5)).astype(np.int64)
    b = max(1, min(w, h) // 50)
    photo = min(w, h) < PHOTO_SIDE
    r0, r1 = (0, b) if photo else (2 * b, 4 * b)
    inner = np.zeros((h, w), dtype=bool)
    inner[r0:h - r0, r0:w - r0] = True
    core = np.zeros((h, w), dtype=bool)
    core[r1:h - r1, r1:w - r1] = True
    ring = fg[inner & ~core]
    floor = max(8, 3 * hist_rank(ring, (ring.size + 1) // 2) + 6) if ring.size else 8
    faint = max(5, floor / 2)
    p = np.pad(fg, 1)
    box = sum(p[1 + dy:1 + dy + h, 1 + dx:1 + dx + w] for dy in (-1, 0, 1) for dx in (-1, 0, 1))
    valid = np.zeros((h, w), dtype=bool)
    valid[1:h - 1, 1:w - 1] = True
    least_row, least_col = max(2, w // 50), max(2, h // 50)
    t = floor
    strong = valid & (box > 9 * floor)
    y0, y1 = span(strong.sum(1), least_row)
    x0, x1 = span(strong.sum(0), least_col)
    if y0 < 0 or x0 < 0:
        t = faint
        weak = valid & (box > 9 * faint)
        y0, y1 = span(weak.sum(1), least_row)
        x0, x1 = span(weak.sum(0), least_col)
    if y0 < 0 or x0 < 0:
        raise ValueError('no object found')
    crop = fg[y0:y1, x0:x1]
    crop = np.where(crop > t, crop, 0)
    kept = crop[crop > 0]
    hi = hist_rank(kept, int(np.ceil(kept.size * 0.99)))
    gain = min(MAX_GAIN, max(1.0, 255.0 / max(hi, 1)))
    crop = np.minimum(255.0, crop * gain)
    ch, cw = crop.shape
    s = max(ch, cw)
    square = np.zeros((s, s))
    oy, ox = (s - ch) // 2, (s - cw) // 2
    square[oy:oy + ch, ox:ox + cw] = crop
    wm = area_weights(s, SIZE)
    small = wm @ square @ wm.T
    return ((small / 255.0 - MEAN) / STD).astype(np.float32).reshape(1, SIZE, SIZE)


def preprocess(data: bytes, shrink_on_load=True) -> np.ndarray:
    return preprocess_grey(decode_grey(data, shrink_on_load))
