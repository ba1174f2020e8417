#!/usr/bin/env python3
"""Train the storegate product-category CNN on Fashion-MNIST and export ONNX.

Run with Debian's torch:  /usr/bin/python3 models/train.py --epochs 24
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


class ProductCNN(nn.Module):
    def __init__(self, wide=False):
        super().__init__()
        layers = [block(1, 32), nn.MaxPool2d(2), block(32, 64)]
        if wide:
            layers.append(block(64, 64))
        layers += [nn.MaxPool2d(2), block(64, 128), nn.MaxPool2d(2)]
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
    ap.add_argument('--wide', action='store_true')
    ap.add_argument('--out', default=HERE)
    ap.add_argument('--seed', type=int, default=5)
    ap.add_argument('--init', help='continue from a saved state dict (product-cnn.pt): a warm restart')
    ap.add_argument('--aug', type=float, default=1.0, help='augmentation strength, 0..1')
    ap.add_argument('--warmup', type=float, default=0.2, help='fraction of steps spent raising the learning rate')
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    g = torch.Generator().manual_seed(args.seed)

    xtr, ytr = load('train')
    xte, yte = load('t10k')
    if args.subset:
        xtr, ytr = xtr[:args.subset], ytr[:args.subset]
    model = ProductCNN(wide=args.wide)
    if args.init:
        model.load_state_dict(torch.load(args.init))
    params = sum(p.numel() for p in model.parameters())
    print(f'params={params} train={len(xtr)} epochs={args.epochs} threads={args.threads}', flush=True)
    opt = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=5e-4)
    steps = (len(xtr) + args.batch - 1) // args.batch
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=args.lr, total_steps=args.epochs * steps, pct_start=args.warmup)
    t0 = time.time()
    history = []
    for ep in range(args.epochs):
        model.train()
        perm = torch.randperm(len(xtr), generator=g)
        te, loss_sum, correct = time.time(), 0.0, 0
        for s in range(steps):
            idx = perm[s * args.batch:(s + 1) * args.batch]
            xb, yb = augment(xtr[idx], g, args.aug), ytr[idx]
            logits, _ = model((xb - MEAN) / STD)
            loss = F.cross_entropy(logits, yb)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            sched.step()
            loss_sum += float(loss) * len(idx)
            correct += int((logits.argmax(1) == yb).sum())
            if s % 100 == 0:
                print(f'  epoch {ep + 1} step {s}/{steps} loss {float(loss):.3f}', flush=True)
        acc, _, _ = evaluate(model, xte, yte)
        history.append({'epoch': ep + 1, 'loss': loss_sum / len(xtr), 'train_acc': correct / len(xtr), 't10k_acc': acc})
        print(f'epoch {ep + 1}/{args.epochs} loss {loss_sum / len(xtr):.4f} train_acc(aug) {correct / len(xtr):.4f} '
              f't10k {acc:.4f} epoch_s {time.time() - te:.0f} total_s {time.time() - t0:.0f}', flush=True)
    train_s = time.time() - t0
    acc, per_class, p = evaluate(model, xte, yte)
    confusion = torch.zeros(10, 10, dtype=torch.long)
    confusion.index_put_((yte, p), torch.ones_like(yte), accumulate=True)
    print(f't10k top-1 {acc:.4f}')
    for k, v in per_class.items():
        print(f'  {k:12s} {v:.4f}')

    os.makedirs(args.out, exist_ok=True)
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
        'lr': args.lr, 'threads': args.threads, 'wide': args.wide, 'train_images': len(xtr),
        'train_seconds': round(train_s), 'onnx_bytes': os.path.getsize(onnx_path),
        'torch': torch.__version__, 'init': args.init, 'warmup': args.warmup, 'aug': args.aug, 'normalise': {'mean': MEAN, 'std': STD}, 'history': history,
    }
    with open(os.path.join(args.out, 'metrics.json'), 'w') as f:
        json.dump(metrics, f, indent=2)
    print(f'wrote {onnx_path} ({metrics["onnx_bytes"]} bytes) in {train_s:.0f}s', flush=True)


if __name__ == '__main__':
    main()
