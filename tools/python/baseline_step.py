#!/usr/bin/python3
"""PyTorch yardstick for SimCLR's and BYOL's training step (docs/ALGORITHM.md §13, §14).

The same work as `mixstream bench step --method simclr|byol`: CIFAR ResNet-18 without a head (one
BN group), SimCLR's projector and NT-Xent over the 2B views; BYOL's projector, predictor, the
momentum update of the target encoder and projector, the target's two forwards without gradients
and the symmetric negative cosine; then backward and SGD (momentum 0.9, weight decay 5e-4). Each
view is its own forward call, as in mixstream. Random inputs: the content does not change the
arithmetic (mixstream's step also augments its views, a few per cent of its time).

  /usr/bin/python3 tools/python/baseline_step.py --method byol --width 16 --batch 256 --threads 2

Prints one JSON line: median/min/max seconds per step and images/s.
"""
import argparse
import copy
import json
import statistics
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


class Block(nn.Module):
    def __init__(self, cin, cout, stride):
        super().__init__()
        self.c1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
        self.b1 = nn.BatchNorm2d(cout)
        self.c2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
        self.b2 = nn.BatchNorm2d(cout)
        self.short = None
        if stride != 1 or cin != cout:
            self.short = nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False), nn.BatchNorm2d(cout))

    def forward(self, x):
        y = F.relu(self.b1(self.c1(x)))
        y = self.b2(self.c2(y))
        return F.relu(y + (x if self.short is None else self.short(x)))


class Backbone(nn.Module):
    """CIFAR ResNet-18 (3x3 stem, no max-pool), pooled output of 8·width, no head."""

    def __init__(self, width):
        super().__init__()
        w = [width, width * 2, width * 4, width * 8]
        self.stem = nn.Sequential(nn.Conv2d(3, w[0], 3, 1, 1, bias=False), nn.BatchNorm2d(w[0]), nn.ReLU())
        layers, cin = [], w[0]
        for i, c in enumerate(w):
            layers += [Block(cin, c, 1 if i == 0 else 2), Block(c, c, 1)]
            cin = c
        self.layers = nn.Sequential(*layers)

    def forward(self, x):
        return torch.flatten(F.adaptive_avg_pool2d(self.layers(self.stem(x)), 1), 1)


def mlp(d_in, hidden, d_out):
    return nn.Sequential(nn.Linear(d_in, hidden, bias=False), nn.BatchNorm1d(hidden), nn.ReLU(),
                         nn.Linear(hidden, d_out))


def nt_xent(z1, z2, tau):
    z = torch.cat([z1, z2])
    n = z.shape[0]
    logits = (z @ z.T / tau).fill_diagonal_(float("-inf"))
    b = n // 2
    target = torch.cat([torch.arange(b, n), torch.arange(0, b)])
    return F.cross_entropy(logits, target)


def simclr_step(width, batch, tau):
    f = Backbone(width)
    g = mlp(8 * width, 8 * width, 128)
    params = list(f.parameters()) + list(g.parameters())
    opt = torch.optim.SGD(params, lr=0.06 * batch / 128, momentum=0.9, weight_decay=5e-4)
    x1, x2 = torch.rand(batch, 3, 32, 32), torch.rand(batch, 3, 32, 32)

    def step():
        z1 = F.normalize(g(f(x1)), dim=1)
        z2 = F.normalize(g(f(x2)), dim=1)
        loss = nt_xent(z1, z2, tau)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        return float(loss)

    return step


def byol_step(width, batch, hidden, tau):
    f, g = Backbone(width), mlp(8 * width, hidden, 256)
    q = mlp(256, hidden, 256)
    ft, gt = copy.deepcopy(f), copy.deepcopy(g)
    for p in list(ft.parameters()) + list(gt.parameters()):
        p.requires_grad = False
    params = list(f.parameters()) + list(g.parameters()) + list(q.parameters())
    opt = torch.optim.SGD(params, lr=0.06 * batch / 128, momentum=0.9, weight_decay=5e-4)
    x1, x2 = torch.rand(batch, 3, 32, 32), torch.rand(batch, 3, 32, 32)

    def step():
        with torch.no_grad():
            for online, target in ((f, ft), (g, gt)):
                for po, pt in zip(online.parameters(), target.parameters()):
                    pt.mul_(tau).add_(po.detach(), alpha=1 - tau)
            t1 = F.normalize(gt(ft(x1)), dim=1)
            t2 = F.normalize(gt(ft(x2)), dim=1)
        p1 = F.normalize(q(g(f(x1))), dim=1)
        p2 = F.normalize(q(g(f(x2))), dim=1)
        loss = -0.5 * ((p1 * t2).sum(1).mean() + (p2 * t1).sum(1).mean())
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        return float(loss)

    return step


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--method", choices=["simclr", "byol"], required=True)
    ap.add_argument("--batch", type=int, default=256)
    ap.add_argument("--width", type=int, default=16, help="stem width; 64 is the standard ResNet-18")
    ap.add_argument("--byol-hidden", type=int, default=4096)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--warmup", type=int, default=2)
    ap.add_argument("--steps", type=int, default=5)
    a = ap.parse_args()
    torch.manual_seed(0)
    torch.set_num_threads(a.threads)
    step = simclr_step(a.width, a.batch, 0.5) if a.method == "simclr" else byol_step(
        a.width, a.batch, a.byol_hidden, 0.99)
    times = []
    loss = float("nan")
    for i in range(a.warmup + a.steps):
        t0 = time.perf_counter()
        loss = step()
        if i >= a.warmup:
            times.append(time.perf_counter() - t0)
    med = statistics.median(times)
    print(json.dumps({"torch": torch.__version__, "threads": torch.get_num_threads(), "method": a.method,
                      "width": a.width, "batch": a.batch, "steps": a.steps, "step_s_median": round(med, 4),
                      "step_s_min": round(min(times), 4), "step_s_max": round(max(times), 4),
                      "img_per_s": round(a.batch / med, 2), "last_loss": round(loss, 4)}), flush=True)


if __name__ == "__main__":
    main()
