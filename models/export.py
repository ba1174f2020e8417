#!/usr/bin/env python3
"""Re-export a trained state dict to ONNX, optionally with horizontal-flip test-time averaging baked into
the graph (the model sees the frame and its mirror image and averages logits and embeddings: shoes and
garments are left/right symmetric as categories). Updates metrics.json with the t10k accuracy of what
was exported.

  /usr/bin/python3 models/export.py --pt /tmp/run/product-cnn.pt --metrics /tmp/run/metrics.json --tta
"""
import argparse
import json
import os
import sys

import torch
import torch.nn as nn

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from train import HERE, LABELS, ProductCNN, evaluate, load  # noqa: E402


class FlipAveraged(nn.Module):
    def __init__(self, model):
        super().__init__()
        self.model = model
        self.register_buffer('rev', torch.arange(27, -1, -1))

    def forward(self, x):
        both = torch.cat([x, torch.index_select(x, 3, self.rev)], 0)
        logits, emb = self.model(both)
        n = x.shape[0]
        return (logits[:n] + logits[n:]) / 2, (emb[:n] + emb[n:]) / 2


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--pt', required=True)
    ap.add_argument('--metrics', required=True, help='metrics.json written by train.py for this state dict')
    ap.add_argument('--tta', action='store_true')
    ap.add_argument('--out', default=HERE)
    args = ap.parse_args()
    torch.set_num_threads(2)
    base = ProductCNN()
    base.load_state_dict(torch.load(args.pt))
    model = (FlipAveraged(base) if args.tta else base).eval()
    xte, yte = load('t10k')
    acc, per_class, p = evaluate(model, xte, yte)
    confusion = torch.zeros(10, 10, dtype=torch.long)
    confusion.index_put_((yte, p), torch.ones_like(yte), accumulate=True)
    print(f't10k top-1 {acc:.4f} (flip TTA: {args.tta})')
    for k, v in per_class.items():
        print(f'  {k:12s} {v:.4f}')
    onnx_path = os.path.join(args.out, 'product-cnn.onnx')
    torch.onnx.export(model, torch.zeros(1, 1, 28, 28), onnx_path, opset_version=13,
                      input_names=['input'], output_names=['logits', 'embedding'],
                      dynamic_axes={'input': {0: 'batch'}, 'logits': {0: 'batch'}, 'embedding': {0: 'batch'}},
                      do_constant_folding=True)
    with open(args.metrics) as f:
        metrics = json.load(f)
    metrics.update({'t10k_top1_single_view': metrics['t10k_top1'], 't10k_top1': round(acc, 4), 'per_class': per_class,
                    'confusion': confusion.tolist(), 'flip_tta': args.tta, 'onnx_bytes': os.path.getsize(onnx_path)})
    with open(os.path.join(args.out, 'metrics.json'), 'w') as f:
        json.dump(metrics, f, indent=2)
    with open(os.path.join(args.out, 'labels.json'), 'w') as f:
        json.dump(LABELS, f, indent=2)
    print(f'wrote {onnx_path} ({metrics["onnx_bytes"]} bytes)')


if __name__ == '__main__':
    main()
