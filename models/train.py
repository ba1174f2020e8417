#!/usr/bin/env python3
"""Train the storegate product-category CNN on Fashion-MNIST and export ONNX.

Run with Debian's torch:  /usr/bin/python3 models/train.py --epochs 24
With --frames DIR (written by models/render-training.ts: mirror-scene JPEGs of train items run through the gateway's
own preprocessing), every batch is half such camera frames and half clean train images with the 28x28 augmentation.
Outputs (next to this file): product-cnn.onnx, labels.json, metrics.json.
The ONNX model takes float32 [N,1,28,28] normalised as in preprocess.py
((x/255 - MEAN)/STD, item light on black) and returns logits [N,10] and embedding [N,128].
"""
import argparse
import gzip
import json
import os
import struct
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = '/usr/share/datasets/fashion-mnist'
LABELS = ['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat',
          'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot']
MEAN, STD = 0.2860, 0.3530  # Fashion-MNIST train-set pixel mean/std on [0,1]


def read_idx(name):
    with gzip.open(os.path.join(DATA, name), 'rb') as f:
        raw = f.read()
    dims = raw[3]
    shape = struct.unpack('>' + 'I' * dims, raw[4:4 + 4 * dims])
    return np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * dims).reshape(shape)


def load(split):
    x = read_idx(f'{split}-images-idx3-ubyte.gz')
    y = read_idx(f'{split}-labels-idx1-ubyte.gz')
    return torch.from_numpy(x.copy()).float().div_(255).unsqueeze(1), torch.from_numpy(y.astype(np.int64))


def block(cin, cout):
    return nn.Sequential(nn.Conv2d(cin, cout, 3, padding=1, bias=False), nn.BatchNorm2d(cout), nn.ReLU(inplace=True))


# conv widths per resolution ('M' = maxpool 2): 28x28, 14x14, 7x7, then 3x3 into the embedding
ARCHS = {
    'base': [32, 'M', 64, 'M', 128, 'M'],               # 242k parameters, 7.5 M multiply-adds (stages 1-4)
    'wide': [32, 'M', 64, 64, 'M', 128, 'M'],           # 279k, 14.8 M
    'deep': [32, 'M', 64, 'M', 128, 128, 'M'],          # 390k, 14.6 M: a second conv at 7x7 sees the whole item
}


class ProductCNN(nn.Module):
    def __init__(self, arch='base'):
        super().__init__()
        layers, c = [], 1
        for s in ARCHS[arch]:
            if s == 'M':
                layers.append(nn.MaxPool2d(2))
            else:
                layers.append(block(c, s))
                c = s
        self.features = nn.Sequential(*layers)
        self.embed = nn.Sequential(nn.Flatten(), nn.Dropout(0.3), nn.Linear(128 * 9, 128),
                                   nn.BatchNorm1d(128), nn.ReLU(inplace=True))
        self.head = nn.Sequential(nn.Dropout(0.2), nn.Linear(128, 10))

    def forward(self, x):
        e = self.embed(self.features(x))
        return self.head(e), e


BLUR = torch.tensor([[1., 2., 1.], [2., 4., 2.], [1., 2., 1.]]).div(16).view(1, 1, 3, 3)


def augment(x, g, k=1.0):
    """Camera-like augmentation on a [B,1,28,28] batch in [0,1]: what preprocess.py leaves behind
    after cropping a real frame (small misalignment, scale, tilt, lighting, blur, sensor noise).
    k scales every range (1 = full strength; a final low-LR phase at k<1 recovers clean accuracy)."""
    b = x.shape[0]
    r = lambda lo, hi: torch.rand(b, generator=g) * (hi - lo) + lo
    flip = (torch.rand(b, generator=g) < 0.5).float() * 2 - 1  # a shoe may face either way
    ang = r(-12 * k, 12 * k) * (3.14159265 / 180)
    sc = r(1 - 0.12 * k, 1 + 0.1 * k)
    tx, ty = r(-0.12 * k, 0.12 * k), r(-0.12 * k, 0.12 * k)
    cos, sin = torch.cos(ang) / sc, torch.sin(ang) / sc
    theta = torch.stack([torch.stack([cos * flip, -sin, tx], 1), torch.stack([sin * flip, cos, ty], 1)], 1)
    grid = F.affine_grid(theta, x.shape, align_corners=False)
    x = F.grid_sample(x, grid, mode='bilinear', padding_mode='zeros', align_corners=False)
    a = r(0, 1).view(b, 1, 1, 1) * (torch.rand(b, 1, 1, 1, generator=g) < 0.35 * k)
    x = (1 - a) * x + a * F.conv2d(x, BLUR, padding=1)
    gamma = torch.exp(r(-0.35 * k, 0.35 * k)).view(b, 1, 1, 1)
    x = x.clamp(0, 1).pow(gamma)
    x = x * r(1 - 0.25 * k, 1 + 0.15 * k).view(b, 1, 1, 1) + r(-0.04 * k, 0.06 * k).view(b, 1, 1, 1)
    sigma = r(0, 0.06 * k).view(b, 1, 1, 1) * (torch.rand(b, 1, 1, 1, generator=g) < 0.5)
    x = x + sigma * torch.randn(x.shape, generator=g)
    return x.clamp(0, 1)


def load_frames(d):
    """All <part>.u8 / <part>.labels pairs in d: [N,1,28,28] in [0,1] (x/255 before normalisation) and labels."""
    xs, ys = [], []
    for name in sorted(os.listdir(d)):
        if not name.endswith('.u8'):
            continue
        x = np.fromfile(os.path.join(d, name), dtype=np.uint8)
        y = np.fromfile(os.path.join(d, name[:-3] + '.labels'), dtype=np.uint8)
        n = min(len(x) // 784, len(y))
        xs.append(x[:n * 784].reshape(n, 1, 28, 28))
        ys.append(y[:n].astype(np.int64))
    return torch.from_numpy(np.concatenate(xs)).float().div_(255), torch.from_numpy(np.concatenate(ys))


def jitter_frames(x, g):
    """Light augmentation of already-preprocessed camera frames: mirror image, a pixel of shift, a little noise."""
    b = x.shape[0]
    flip = torch.rand(b, generator=g) < 0.5
    x = torch.where(flip.view(b, 1, 1, 1), x.flip(3), x)
    sh = torch.randint(-1, 2, (2,), generator=g)
    x = torch.roll(x, shifts=(int(sh[0]), int(sh[1])), dims=(2, 3))
    return x


def evaluate(model, x, y):
    model.eval()
    preds = []
    with torch.no_grad():
        for i in range(0, len(x), 1000):
            preds.append(model((x[i:i + 1000] - MEAN) / STD)[0].argmax(1))
    p = torch.cat(preds)
    per_class = {LABELS[c]: round(float((p[y == c] == c).float().mean()), 4) for c in range(10)}
    return float((p == y).float().mean()), per_class, p


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--epochs', type=int, default=24)
    ap.add_argument('--batch', type=int, default=128)
    ap.add_argument('--lr', type=float, default=4e-3)
    ap.add_argument('--threads', type=int, default=2)
    ap.add_argument('--subset', type=int, default=0, help='train on the first N images (timing runs)')
    ap.add_argument('--arch', choices=sorted(ARCHS), default='base')
    ap.add_argument('--wide', action='store_true', help='same as --arch wide')
    ap.add_argument('--out', default=HERE)
    ap.add_argument('--seed', type=int, default=5)
    ap.add_argument('--init', help='continue from a saved state dict (product-cnn.pt): a warm restart')
    ap.add_argument('--init-onnx', help='continue from an exported model (e.g. the committed product-cnn.onnx)')
    ap.add_argument('--aug', type=float, default=1.0, help='augmentation strength, 0..1')
    ap.add_argument('--aug-final', type=float, default=None,
                    help='augmentation strength at the end: --aug falls linearly to it over the last --aug-anneal of the steps')
    ap.add_argument('--aug-anneal', type=float, default=0.3)
    ap.add_argument('--warmup', type=float, default=0.2, help='fraction of steps spent raising the learning rate')
    ap.add_argument('--frames', help='directory of pre-rendered camera frames (models/render-training.ts)')
    ap.add_argument('--camera-share', type=float, default=0.5, help='share of each batch taken from --frames')
    ap.add_argument('--budget-min', type=float, default=0,
                    help='pick --epochs to fit this many minutes, from the speed of 20 calibration steps (shared box)')
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    g = torch.Generator().manual_seed(args.seed)
    os.makedirs(args.out, exist_ok=True)

    xtr, ytr = load('train')
    xte, yte = load('t10k')
    if args.subset:
        xtr, ytr = xtr[:args.subset], ytr[:args.subset]
    xcam = ycam = None
    if args.frames:
        xcam, ycam = load_frames(args.frames)
    if args.wide:
        args.arch = 'wide'
    model = ProductCNN(args.arch)
    if args.init:
        model.load_state_dict(torch.load(args.init))
    if args.init_onnx:
        from onnx_weights import load_into
        load_into(model, args.init_onnx, (xtr[:2000] - MEAN) / STD)
        acc0, _, _ = evaluate(model, xte[:2000], yte[:2000])
        print(f'warm start from {args.init_onnx}: first 2000 t10k {acc0:.4f}', flush=True)
    params = sum(p.numel() for p in model.parameters())
    ncam = 0 if xcam is None else len(xcam)
    print(f'params={params} train={len(xtr)} camera_frames={ncam} epochs={args.epochs} threads={args.threads}', flush=True)
    opt = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=5e-4)
    # with camera frames an epoch is one pass over them; each batch adds clean train images to the same size
    bcam = int(round(args.batch * args.camera_share)) if ncam else 0
    bclean = args.batch - bcam
    steps = (ncam + bcam - 1) // bcam if ncam else (len(xtr) + args.batch - 1) // args.batch
    if args.budget_min:
        # the box is shared: measure what a step costs now (at a tiny learning rate) and size the run to the budget
        for group in opt.param_groups:
            group['lr'] = args.lr / 100
        tc = time.time()
        for s in range(20):
            idx = torch.randint(0, len(xtr), (bclean,), generator=g)
            xb, yb = augment(xtr[idx], g, args.aug), ytr[idx]
            if ncam:
                ci = torch.randint(0, ncam, (bcam,), generator=g)
                xb, yb = torch.cat([xb, jitter_frames(xcam[ci], g)]), torch.cat([yb, ycam[ci]])
            loss = F.cross_entropy(model((xb - MEAN) / STD)[0], yb)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
        per_step = (time.time() - tc) / 20
        te = time.time()
        evaluate(model, xte[:2000], yte[:2000])
        per_eval = (time.time() - te) * (1.5 if ncam else 1)
        args.epochs = max(1, int(args.budget_min * 60 * 0.9 / (steps * per_step + per_eval)))
        print(f'calibration: {per_step:.3f} s/step, {per_eval:.0f} s of evaluation per epoch -> {args.epochs} epochs '
              f'in {args.budget_min} min', flush=True)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=args.lr, total_steps=args.epochs * steps, pct_start=args.warmup)
    total = args.epochs * steps

    def aug_at(step):
        if args.aug_final is None:
            return args.aug
        start = total * (1 - args.aug_anneal)
        f = min(1.0, max(0.0, (step - start) / max(1.0, total - start)))
        return args.aug + (args.aug_final - args.aug) * f

    t0 = time.time()
    history = []
    for ep in range(args.epochs):
        model.train()
        perm = torch.randperm(len(xtr), generator=g)
        pcam = torch.randperm(ncam, generator=g) if ncam else None
        te, loss_sum, correct, seen = time.time(), 0.0, 0, 0
        for s in range(steps):
            idx = perm[(s * bclean) % len(xtr):(s * bclean) % len(xtr) + bclean]
            xb, yb = augment(xtr[idx], g, aug_at(ep * steps + s)), ytr[idx]
            if ncam:
                ci = pcam[s * bcam:(s + 1) * bcam]
                xb = torch.cat([xb, jitter_frames(xcam[ci], g)])
                yb = torch.cat([yb, ycam[ci]])
            logits, _ = model((xb - MEAN) / STD)
            loss = F.cross_entropy(logits, yb)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            sched.step()
            loss_sum += float(loss) * len(yb)
            correct += int((logits.argmax(1) == yb).sum())
            seen += len(yb)
            if s % 100 == 0:
                print(f'  epoch {ep + 1} step {s}/{steps} loss {float(loss):.3f}', flush=True)
        # the first 2000 t10k per epoch (the whole set costs minutes on a busy box); all 10 000 at the end
        acc, _, _ = evaluate(model, xte[:2000], yte[:2000])
        entry = {'epoch': ep + 1, 'loss': loss_sum / seen, 'train_acc': correct / seen, 't10k_first2000_acc': acc}
        if ncam:
            # the last 2000 frames double as a (seen) sanity check, not a validation set
            cacc, _, _ = evaluate(model, xcam[-1000:], ycam[-1000:])
            entry['camera_frames_acc'] = cacc
        history.append(entry)
        print(f'epoch {ep + 1}/{args.epochs} loss {loss_sum / seen:.4f} train_acc(aug) {correct / seen:.4f} '
              f't10k {acc:.4f} {entry.get("camera_frames_acc", "")} epoch_s {time.time() - te:.0f} total_s {time.time() - t0:.0f}', flush=True)
        torch.save(model.state_dict(), os.path.join(args.out, f'product-cnn.epoch{ep + 1}.pt'))
    train_s = time.time() - t0
    acc, per_class, p = evaluate(model, xte, yte)
    confusion = torch.zeros(10, 10, dtype=torch.long)
    confusion.index_put_((yte, p), torch.ones_like(yte), accumulate=True)
    print(f't10k top-1 {acc:.4f}')
    for k, v in per_class.items():
        print(f'  {k:12s} {v:.4f}')

    model.eval()
    torch.save(model.state_dict(), os.path.join(args.out, 'product-cnn.pt'))
    onnx_path = os.path.join(args.out, 'product-cnn.onnx')
    torch.onnx.export(model, torch.zeros(1, 1, 28, 28), onnx_path, opset_version=13,
                      input_names=['input'], output_names=['logits', 'embedding'],
                      dynamic_axes={'input': {0: 'batch'}, 'logits': {0: 'batch'}, 'embedding': {0: 'batch'}},
                      do_constant_folding=True)
    with open(os.path.join(args.out, 'labels.json'), 'w') as f:
        json.dump(LABELS, f, indent=2)
    metrics = {
        'model': 'product-cnn', 'dataset': 'Fashion-MNIST', 't10k_top1': round(acc, 4), 'per_class': per_class,
        'confusion': confusion.tolist(), 'params': params, 'epochs': args.epochs, 'batch': args.batch,
        'lr': args.lr, 'threads': args.threads, 'arch': args.arch, 'aug_final': args.aug_final, 'aug_anneal': args.aug_anneal, 'train_images': len(xtr), 'camera_frames': ncam, 'camera_share': args.camera_share if ncam else 0,
        'train_seconds': round(train_s), 'onnx_bytes': os.path.getsize(onnx_path),
        'torch': torch.__version__, 'init': args.init, 'init_onnx': args.init_onnx, 'budget_min': args.budget_min, 'warmup': args.warmup, 'aug': args.aug, 'normalise': {'mean': MEAN, 'std': STD}, 'history': history,
    }
    with open(os.path.join(args.out, 'metrics.json'), 'w') as f:
        json.dump(metrics, f, indent=2)
    print(f'wrote {onnx_path} ({metrics["onnx_bytes"]} bytes) in {train_s:.0f}s', flush=True)


if __name__ == '__main__':
    main()
