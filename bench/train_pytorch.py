#!/usr/bin/env python3
"""Reference run for examples/fashion-mnist: the same CNN, optimizer, schedule, batch size and
epochs as examples/fashion-mnist/spec.yaml, trained with PyTorch on the CPU. Not a test: it prints
the test accuracy and the wall time to put beside `mote train`'s (docs/train.md).

    OMP_WAIT_POLICY=PASSIVE /usr/bin/python3 bench/train_pytorch.py [--epochs 10] [--threads 2] [--data DIR]

(OMP_WAIT_POLICY=PASSIVE: on a loaded machine, OpenMP threads spinning at barriers while their
partner is descheduled made the default run several times slower.)

Same as the spec: conv 3x3 16/32/64 (same padding) each with BatchNorm (eps 1e-3, momentum 0.01 =
Keras' 0.99) + ReLU + 2x2 max pool, flatten, dropout 0.25, dense 10; cross-entropy on logits; Adam
lr 2e-3 with a cosine decay to 0 evaluated per batch; batch 64; 10 % of the training images held
out for validation; early stopping after 3 epochs without a lower validation loss, keeping the
best epoch's weights. Differences: PyTorch's default initializers (Kaiming-uniform) instead of
Glorot-uniform, and its own shuffles and validation split.
"""
import argparse
import copy
import gzip
import math
import os
import time

import numpy as np
import torch
from torch import nn


def read_idx(path):
    with gzip.open(path, "rb") as f:
        data = f.read()
    ndim = data[3]
    dims = [int.from_bytes(data[4 + 4 * i:8 + 4 * i], "big") for i in range(ndim)]
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim).reshape(dims)


def model():
    def block(cin, cout):
        return [nn.Conv2d(cin, cout, 3, padding=1), nn.BatchNorm2d(cout, eps=1e-3, momentum=0.01), nn.ReLU(),
                nn.MaxPool2d(2)]
    return nn.Sequential(*block(1, 16), *block(16, 32), *block(32, 64), nn.Flatten(), nn.Dropout(0.25),
                         nn.Linear(64 * 3 * 3, 10))


def evaluate(net, x, y, loss_fn):
    net.eval()
    loss, right = 0.0, 0
    with torch.no_grad():
        for i in range(0, len(x), 256):
            out = net(x[i:i + 256])
            loss += loss_fn(out, y[i:i + 256]).item() * len(out)
            right += (out.argmax(1) == y[i:i + 256]).sum().item()
    return loss / len(x), right / len(x)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", default="/usr/share/datasets/fashion-mnist")
    ap.add_argument("--epochs", type=int, default=10)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--patience", type=int, default=3)
    ap.add_argument("--seed", type=int, default=0)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)
    rng = np.random.default_rng(a.seed)

    def load(images, labels):
        x = read_idx(os.path.join(a.data, images)).astype(np.float32) / 255.0
        return torch.from_numpy(x[:, None, :, :].copy()), torch.from_numpy(read_idx(os.path.join(a.data, labels)).astype(np.int64))

    x, y = load("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz")
    xt, yt = load("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz")
    perm = torch.from_numpy(rng.permutation(len(x)))
    nval = len(x) // 10
    xv, yv, x, y = x[perm[:nval]], y[perm[:nval]], x[perm[nval:]], y[perm[nval:]]

    net = model()
    params = sum(p.numel() for p in net.parameters())
    opt = torch.optim.Adam(net.parameters(), lr=2e-3)
    loss_fn = nn.CrossEntropyLoss()
    batches = math.ceil(len(x) / 64)
    total = a.epochs * batches
    best, best_state, best_epoch, waited = None, None, 0, 0
    start, cpu_start = time.time(), time.process_time()
    for epoch in range(a.epochs):
        net.train()
        t0 = time.time()
        order = torch.randperm(len(x))
        loss_sum = 0.0
        for b in range(batches):
            step = epoch * batches + b
            for g in opt.param_groups:
                g["lr"] = 2e-3 * (1 + math.cos(math.pi * step / total)) / 2
            idx = order[b * 64:(b + 1) * 64]
            opt.zero_grad()
            loss = loss_fn(net(x[idx]), y[idx])
            loss.backward()
            opt.step()
            loss_sum += loss.item() * len(idx)
        vl, va = evaluate(net, xv, yv, loss_fn)
        print(f"epoch {epoch + 1}/{a.epochs}: loss {loss_sum / len(x):.4f}, val_loss {vl:.4f} val_acc {va:.4f}, "
              f"{time.time() - t0:.1f} s", flush=True)
        if best is None or vl < best:
            best, best_state, best_epoch, waited = vl, copy.deepcopy(net.state_dict()), epoch + 1, 0
        else:
            waited += 1
            if waited >= a.patience:
                break
    train_seconds, train_cpu = time.time() - start, time.process_time() - cpu_start
    net.load_state_dict(best_state)
    _, acc = evaluate(net, xt, yt, loss_fn)
    print(f"pytorch {torch.__version__}: {params} parameters, best epoch {best_epoch}, "
          f"test accuracy {acc:.4f}, train {train_seconds:.1f} s wall, {train_cpu:.1f} s CPU with {a.threads} threads")


if __name__ == "__main__":
    main()
