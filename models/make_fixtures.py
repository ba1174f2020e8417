#!/usr/bin/env python3
"""Writes the committed test fixtures (run once; tests only read them):
  test/fixtures/fashion-mnist/t10k-first1000-{images,labels}.gz   first 1000 t10k images, idx format
  test/fixtures/fashion-mnist/parity-*.png + parity.json           frames and the tensor preprocess.py makes
Usage: /usr/bin/python3 models/make_fixtures.py
"""
import gzip
import io
import json
import os
import struct
import sys

import numpy as np
from PIL import Image

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from preprocess import preprocess  # noqa: E402
from train import DATA, LABELS  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, 'test', 'fixtures', 'fashion-mnist')
N = 1000


def read_raw(name):
    with gzip.open(os.path.join(DATA, name), 'rb') as f:
        return f.read()


def camera_frame(item, w, h, light, seed, wall=None, folds=0.0, item_delta=None):
    """A frame as a camera would see the item: photo-polarity (dark item on a light wall, or a light
    item on a dark backdrop), off-centre, upscaled, with a lighting gradient and sensor noise. With `wall`, a
    mid-grey wall (optionally with curtain folds of amplitude `folds`) and the item `item_delta` away from it."""
    rng = np.random.default_rng(seed)
    side = int(min(w, h) * 0.6)
    big = np.asarray(Image.fromarray(item).resize((side, side), Image.BILINEAR), dtype=np.float64)
    yy, xx = np.mgrid[0:h, 0:w]
    if wall is None:
        base = (205 + 25 * xx / w) if light else (35 + 20 * yy / h)
    else:
        base = wall + 20 * (xx / w - 0.5) + folds * np.sin(2 * np.pi * xx / (w / 9))
    frame = base + rng.normal(0, 4, (h, w))
    x0, y0 = int(w * 0.3), int(h * 0.15)
    patch = frame[y0:y0 + side, x0:x0 + side]
    if item_delta is not None:
        frame[y0:y0 + side, x0:x0 + side] = patch + item_delta * big / 255
    else:
        frame[y0:y0 + side, x0:x0 + side] = patch - big * 0.75 if light else patch + big * 0.8
    return np.clip(np.rint(frame), 0, 255).astype(np.uint8)


def encode(arr, name):
    buf = io.BytesIO()
    if name.endswith('.jpg'):
        Image.fromarray(arr).convert('RGB').save(buf, format='JPEG', quality=85)
    else:
        Image.fromarray(arr).save(buf, format='PNG')
    return buf.getvalue()


def main():
    os.makedirs(OUT, exist_ok=True)
    images, labels = read_raw('t10k-images-idx3-ubyte.gz'), read_raw('t10k-labels-idx1-ubyte.gz')
    # mtime=0 keeps the bytes reproducible
    with open(os.path.join(OUT, 't10k-first1000-images.gz'), 'wb') as f:
        f.write(gzip.compress(struct.pack('>IIII', 2051, N, 28, 28) + images[16:16 + N * 784], mtime=0))
    with open(os.path.join(OUT, 't10k-first1000-labels.gz'), 'wb') as f:
        f.write(gzip.compress(struct.pack('>II', 2049, N) + labels[8:8 + N], mtime=0))

    pix = np.frombuffer(images, dtype=np.uint8, offset=16).reshape(-1, 28, 28)
    cases = [
        ('parity-t10k-0.png', 0, pix[0]),
        ('parity-light-160x120.png', 1, camera_frame(pix[1], 160, 120, True, 1)),
        ('parity-dark-96x128.png', 2, camera_frame(pix[2], 96, 128, False, 2)),
        # JPEG (shrunk on load by both): decoders may differ by a grey level here and there (PIL vs libvips)
        ('parity-light-320x240.jpg', 3, camera_frame(pix[3], 320, 240, True, 3)),
        # a grey item on a grey wall with curtain folds and a gradient: the Coons-patch wall and |v - wall|
        ('parity-folds-640x480.jpg', 4, camera_frame(pix[4], 640, 480, True, 4, wall=128, folds=12, item_delta=40)),
        ('parity-folds-200x150.png', 5, camera_frame(pix[5], 200, 150, True, 5, wall=110, folds=15, item_delta=-35)),
    ]
    expected = []
    for name, idx, arr in cases:
        data = encode(arr, name)
        with open(os.path.join(OUT, name), 'wb') as f:
            f.write(data)
        t = preprocess(data)
        expected.append({'file': name, 'label': LABELS[labels[8 + idx]], 'tensor': [round(float(v), 6) for v in t.ravel()]})
    with open(os.path.join(OUT, 'parity.json'), 'w') as f:
        json.dump({'generatedBy': 'models/make_fixtures.py', 'cases': expected}, f)
    print('wrote fixtures to', OUT)


if __name__ == '__main__':
    main()
