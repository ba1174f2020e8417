"""Reads the weights back out of a product-cnn ONNX file (no `onnx` package on the box: a minimal protobuf walk), to
warm-start training from the committed model. The exported graph has each conv's BatchNorm folded into the conv; the
BatchNorm layers get the folded conv output's own batch statistics on clean train images, so that in training mode
(batch statistics) and in eval mode the network starts out computing what the ONNX file computes.
"""
import numpy as np
import torch


def _varint(b, i):
    r = s = 0
    while True:
        c = b[i]
        i += 1
        r |= (c & 0x7F) << s
        s += 7
        if c < 0x80:
            return r, i


def _fields(b):
    i = 0
    while i < len(b):
        k, i = _varint(b, i)
        f, t = k >> 3, k & 7
        if t == 0:
            v, i = _varint(b, i)
        elif t == 2:
            n, i = _varint(b, i)
            v = b[i:i + n]
            i += n
        elif t == 1:
            v, i = b[i:i + 8], i + 8
        elif t == 5:
            v, i = b[i:i + 4], i + 4
        else:
            raise ValueError(f'protobuf wire type {t}')
        yield f, t, v


def read_onnx(path):
    """(initialisers by name as float32 arrays, nodes as (op, inputs, outputs)) of an ONNX model."""
    with open(path, 'rb') as fh:
        model = fh.read()
    graph = next(v for f, _, v in _fields(model) if f == 7)
    inits, nodes = {}, []
    for f, _, v in _fields(graph):
        if f == 5:  # TensorProto: dims 1, data_type 2, name 8, raw_data 9
            dims, name, raw = [], None, None
            for f2, t2, v2 in _fields(v):
                if f2 == 1 and t2 == 0:
                    dims.append(v2)
                elif f2 == 1:
                    j = 0
                    while j < len(v2):
                        d, j = _varint(v2, j)
                        dims.append(d)
                elif f2 == 8:
                    name = v2.decode()
                elif f2 == 9:
                    raw = v2
            if raw is not None:
                inits[name] = np.frombuffer(raw, dtype=np.float32).reshape(dims).copy()
        elif f == 1:  # NodeProto: input 1, output 2, op_type 4
            ins, outs, op = [], [], None
            for f2, _, v2 in _fields(v):
                if f2 == 1:
                    ins.append(v2.decode())
                elif f2 == 2:
                    outs.append(v2.decode())
                elif f2 == 4:
                    op = v2.decode()
            nodes.append((op, ins, outs))
    return inits, nodes


def load_into(model, path, calib):
    """Copies an exported (BN-folded) product-cnn into `model` (a ProductCNN, not wide); `calib` [N,1,28,28] normalised."""
    inits, nodes = read_onnx(path)
    convs = [(inits[i[1]], inits[i[2]]) for op, i, _ in nodes if op == 'Conv']
    blocks = [m for m in model.features if isinstance(m, torch.nn.Sequential)]
    if len(convs) != len(blocks):
        raise ValueError(f'{path}: {len(convs)} convolutions, the model has {len(blocks)}')
    sd = model.state_dict()
    for k in ('embed.2.weight', 'embed.2.bias', 'embed.3.weight', 'embed.3.bias', 'embed.3.running_mean',
              'embed.3.running_var', 'head.1.weight', 'head.1.bias'):
        sd[k] = torch.from_numpy(inits[k])
    model.load_state_dict(sd)
    x = calib
    with torch.no_grad():
        for i, m in enumerate(model.features):
            if isinstance(m, torch.nn.Sequential):
                conv, bn = m[0], m[1]
                w, b = (torch.from_numpy(a) for a in convs[blocks.index(m)])
                conv.weight.copy_(w)
                z = torch.nn.functional.conv2d(x, w, b, padding=1)
                mu, var = z.mean((0, 2, 3)), z.var((0, 2, 3), unbiased=False)
                bn.running_mean.copy_(mu - b)  # the model's conv has no bias: its output is z - b
                bn.running_var.copy_(var)
                bn.weight.copy_((var + bn.eps).sqrt())
                bn.bias.copy_(mu)
            x = m(x) if not isinstance(m, torch.nn.Sequential) else torch.relu(z)
    return model
