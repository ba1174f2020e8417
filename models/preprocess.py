"""The camera-frame preprocessing contract, in Python. Mirror of
gateway/services/recognition/preprocess.ts: change both together (test/models parity fixture checks it).

frame (any size, JPEG/PNG/WebP) -> float32 [1,28,28], item light on black, normalised like training.
Steps: greyscale (integer Rec.601) -> background = median of a border band -> foreground = distance
from the background towards the item (light background: darker is item) -> threshold noise ->
bounding box from row/column counts -> stretch contrast (gain 1..4) -> centre on a square ->
area-average resize to 28x28 -> (x/255 - MEAN) / STD.
"""
import io

import numpy as np
from PIL import Image, ImageOps

MEAN, STD = 0.2860, 0.3530
SIZE = 28
MAX_GAIN = 4.0


def decode_grey(data: bytes) -> np.ndarray:
    img = ImageOps.exif_transpose(Image.open(io.BytesIO(data)))
    if img.mode in ('RGBA', 'LA', 'PA') or (img.mode == 'P' and 'transparency' in img.info):
        img = img.convert('RGBA')
        white = Image.new('RGBA', img.size, (255, 255, 255, 255))
        img = Image.alpha_composite(white, img)
    if img.mode in ('L', 'I;16', 'I'):
        return np.asarray(img.convert('L'), dtype=np.int64)
    rgb = np.asarray(img.convert('RGB'), dtype=np.int64)
    return (299 * rgb[..., 0] + 587 * rgb[..., 1] + 114 * rgb[..., 2] + 500) // 1000


def hist_median(values: np.ndarray) -> int:
    """Lower median over integer values 0..255 (matches the histogram walk in TypeScript)."""
    h = np.bincount(values.ravel(), minlength=256)
    return int(np.searchsorted(np.cumsum(h), (values.size + 1) // 2))


def border_band(g: np.ndarray) -> np.ndarray:
    h, w = g.shape
    b = max(1, min(h, w) // 50)
    return np.concatenate([g[:b, :].ravel(), g[h - b:, :].ravel(), g[b:h - b, :b].ravel(), g[b:h - b, w - b:].ravel()])


def area_weights(src: int, dst: int) -> np.ndarray:
    w = np.zeros((dst, src))
    scale = src / dst
    for o in range(dst):
        lo, hi = o * scale, (o + 1) * scale
        for i in range(int(np.floor(lo)), min(src, int(np.ceil(hi)))):
            w[o, i] = (min(hi, i + 1) - max(lo, i)) / scale
    return w


def preprocess_grey(g: np.ndarray) -> np.ndarray:
    h, w = g.shape
    border = border_band(g)
    bg = hist_median(border)
    mad = hist_median(np.abs(border - bg))
    light = bg > 127
    fg = (bg - g) if light else (g - bg)
    fg = np.clip(fg, 0, 255)
    t = max(8, 4 * mad + 4)
    mask = fg > t
    rows = np.nonzero(mask.sum(1) >= max(1, w // 100))[0]
    cols = np.nonzero(mask.sum(0) >= max(1, h // 100))[0]
    if rows.size == 0 or cols.size == 0:
        raise ValueError('no object found')
    y0, y1, x0, x1 = rows[0], rows[-1] + 1, cols[0], cols[-1] + 1
    crop = np.where(mask[y0:y1, x0:x1], fg[y0:y1, x0:x1], 0).astype(np.float64)
    kept = crop[crop > 0].astype(np.int64)
    hi = int(np.searchsorted(np.cumsum(np.bincount(kept, minlength=256)), int(np.ceil(kept.size * 0.99))))
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


def preprocess(data: bytes) -> np.ndarray:
    return preprocess_grey(decode_grey(data))
