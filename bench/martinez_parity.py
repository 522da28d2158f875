#!/usr/bin/env python3
"""The public PyTorch port's recipe for Martinez et al.'s baseline, run on an
hpe3d pose file: the reference side of bench/martinez_parity.sh.

Trains bench/martinez_torch.py's network as the port's main.py does: absolute
2D (16 joints) and root-relative 3D (16 joints) z-scored per coordinate on the
training split, shuffled batches of 64 with the last, smaller batch kept
(DataLoader(shuffle=True)), MSE on the z-scored 3D, Adam 1e-3 with lr = 1e-3 x
0.96^(step / 100k) set at step 1 and every 100k steps, clip_grad_norm_(1).
After every epoch it evaluates the test split in eval mode as the port does:
3D in mm with the root (0) put back, the mean joint distance over all 17
joints (P1), and the same after a similarity (Procrustes with scale)
alignment per pose (P2). Prints one JSON line per epoch:
{"epoch", "p1", "p2", "loss", "seconds"}.

--table DIR prints bench/martinez_parity.sh's Markdown table from the
DIR/{hpe3d,port}_sN.jsonl files (one {"epoch", "p1", "p2"} line per epoch
evaluated).
"""
import argparse
import glob
import json
import os
import re
import time

import numpy as np
import torch
from torch import nn

from martinez_torch import Network, ZScore, load_split


def with_root(p3):
    """[N, 48] root-relative without root -> [N, 17, 3] with the root at the origin."""
    p3 = p3.reshape(len(p3), 16, 3)
    return np.concatenate([np.zeros((len(p3), 1, 3)), p3], axis=1)


def procrustes_aligned(pred, target):
    """Each pred [17, 3] moved onto its target by the best rotation, scale and translation."""
    mp, mt = pred.mean(1, keepdims=True), target.mean(1, keepdims=True)
    p, t = pred - mp, target - mt
    u, s, vt = np.linalg.svd(np.einsum("nji,njk->nik", p, t))
    d = np.sign(np.linalg.det(np.einsum("nij,njk->nik", u, vt)))  # no reflections
    u[:, :, 2] *= d[:, None]
    s[:, 2] *= d
    r = np.einsum("nij,njk->nik", u, vt)
    scale = s.sum(1) / (p ** 2).sum((1, 2))
    return scale[:, None, None] * np.einsum("nji,nik->njk", p, r) + mt


def errors(pred, target):
    """pred, target [N, 17, 3] mm -> (P1, P2) in mm, means over poses and the 17 joints."""
    p1 = np.linalg.norm(pred - target, axis=2).mean()
    p2 = np.linalg.norm(procrustes_aligned(pred, target) - target, axis=2).mean()
    return float(p1), float(p2)


def table(directory, last):
    """Per seed and mean +- sd over seeds: P1/P2 after the last epoch and over the last `last` epochs; then
    hpe3d - port with the standard error of that difference."""
    runs = {}
    for path in sorted(glob.glob(os.path.join(directory, "*_s*.jsonl"))):
        kind, seed = re.match(r"(hpe3d|port)_s(\d+)\.jsonl$", os.path.basename(path)).groups()
        rows = sorted((json.loads(line) for line in open(path) if line.strip()), key=lambda r: r["epoch"])
        if not rows:
            raise SystemExit(f"{path}: no evaluated epoch")
        tail = rows[-last:]
        runs.setdefault(kind, {})[int(seed)] = {
            "epoch": rows[-1]["epoch"], "p1": rows[-1]["p1"], "p2": rows[-1]["p2"],
            "p1_tail": np.mean([r["p1"] for r in tail]), "p2_tail": np.mean([r["p2"] for r in tail])}
    keys = ["p1", "p2", "p1_tail", "p2_tail"]
    print(f"| run | seed | epoch | P1 | P2 | P1, mean of last {last} | P2, mean of last {last} |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    stats = {}
    for kind in ("port", "hpe3d"):
        for seed, r in sorted(runs.get(kind, {}).items()):
            print(f"| {kind} | {seed} | {r['epoch']} | " + " | ".join(f"{r[k]:.1f}" for k in keys) + " |")
        values = {k: np.array([r[k] for r in runs.get(kind, {}).values()]) for k in keys}
        n = len(values["p1"])
        if n:
            sd = lambda v: v.std(ddof=1) if n > 1 else float("nan")
            stats[kind] = {k: (v.mean(), sd(v), n) for k, v in values.items()}
            print(f"| **{kind}, mean ± sd** | {n} seeds | | " +
                  " | ".join(f"**{m:.1f} ± {s:.1f}**" for m, s, _ in stats[kind].values()) + " |")
    if len(stats) == 2:
        diff = []
        for k in keys:
            (mh, sh, nh), (mp, sp, np_) = stats["hpe3d"][k], stats["port"][k]
            diff.append(f"{mh - mp:+.1f} ± {np.sqrt(sh ** 2 / nh + sp ** 2 / np_):.1f}")
        print("| hpe3d − port (± standard error) | | | " + " | ".join(diff) + " |")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--table", metavar="DIR", help="print the table of bench/martinez_parity.sh's runs in DIR")
    ap.add_argument("--last", type=int, default=10, help="--table: epochs averaged at the end")
    ap.add_argument("--data", default="data/cmu_mocap.h5")
    ap.add_argument("--train-subjects", default="1,5")
    ap.add_argument("--test-subjects", default="9")
    ap.add_argument("--epochs", type=int, default=100)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--threads", type=int, default=1)
    a = ap.parse_args()
    if a.table:
        table(a.table, a.last)
        return
    torch.manual_seed(a.seed)
    np.random.seed(a.seed)
    torch.set_num_threads(a.threads)

    subjects = lambda s: [int(v) for v in s.split(",")]
    train2, train3 = load_split(a.data, subjects(a.train_subjects))
    test2, test3 = load_split(a.data, subjects(a.test_subjects))
    z2, z3 = ZScore(train2), ZScore(train3)
    x, y = torch.from_numpy(z2(train2)), torch.from_numpy(z3(train3))
    test_x = torch.from_numpy(z2(test2))
    test_target = with_root(test3.astype(np.float64))

    model = Network()
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    criterion = nn.MSELoss()
    lr_init, decay_steps, gamma, batch = 1e-3, 100000, 0.96, 64
    step = 0
    for epoch in range(1, a.epochs + 1):
        t0 = time.perf_counter()
        model.train()
        losses = []
        for idx in torch.randperm(len(x)).split(batch):
            step += 1
            if step % decay_steps == 0 or step == 1:
                for g in opt.param_groups:
                    g["lr"] = lr_init * gamma ** (step / decay_steps)
            loss = criterion(model(x[idx]), y[idx])
            opt.zero_grad()
            loss.backward()
            nn.utils.clip_grad_norm_(model.parameters(), max_norm=1)
            opt.step()
            losses.append(loss.item())
        model.eval()
        with torch.no_grad():
            pred = z3.inverse(model(test_x).numpy().astype(np.float64))
        p1, p2 = errors(with_root(pred), test_target)
        print(json.dumps({"epoch": epoch, "p1": p1, "p2": p2, "loss": float(np.mean(losses)),
                          "seconds": time.perf_counter() - t0}), flush=True)


if __name__ == "__main__":
    main()
