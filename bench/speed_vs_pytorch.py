#!/usr/bin/env python3
"""The PyTorch side of bench/speed_vs_pytorch.sh: trains the benchmark network
for N steps and prints one JSON line {"mode", "batch", "samples_per_s", ...}.

Modes:
  plain  the public PyTorch port of Martinez et al. (per-sample Dataset +
         DataLoader(shuffle=True), .item() of the loss every step, clip_grad_norm_,
         Adam), as users run it: no settings touched.
  tuned  the same network and loop with the best settings found: preloaded,
         normalised tensors indexed by a shuffled permutation (no DataLoader),
         torch threads / OpenBLAS threads / malloc thresholds set by the calling
         script's environment (see speed_vs_pytorch.sh), zero_grad(set_to_none),
         Adam(foreach=True), one loss read-back per 100 steps.
         With --label prescott and OPENBLAS_CORETYPE=Prescott, the same on a CPU
         that OpenBLAS does not recognise (its SSE3 fallback; issue 14's machine).
  table  prints the Markdown table of the script's collected results.
  gemm   float32 GEMM rate of one 1024x1024 layer at this batch: the forward
         product and the two backward products, 3 x 2 x B x 1024^2 FLOP.

The network and data are bench/martinez_torch.py's (Martinez et al.'s network,
as hpe3d's model.kind: martinez): bench/speed_net.yaml is the same network.
"""
import argparse
import json
import time

import numpy as np
import torch
from torch import nn

from martinez_torch import HIDDEN, Network, ZScore, linear_flop_per_sample, load_split


def load_data(path, subjects):
    """The training split, z-scored (inputs and targets)."""
    p2, p3 = load_split(path, subjects)
    return ZScore(p2)(p2), ZScore(p3)(p3)


class PoseDataset(torch.utils.data.Dataset):
    """Per sample, as the public port's Human36M dataset returns it."""

    def __init__(self, inputs, outputs):
        self.inputs, self.outputs = inputs, outputs

    def __len__(self):
        return len(self.inputs)

    def __getitem__(self, i):
        return torch.from_numpy(self.inputs[i]).float(), torch.from_numpy(self.outputs[i]).float()


def train_plain(model, x, y, batch, steps, workers):
    loader = torch.utils.data.DataLoader(PoseDataset(x, y), batch_size=batch, shuffle=True, num_workers=workers,
                                         drop_last=True)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    criterion = nn.MSELoss()
    model.train()
    done, t0 = 0, None
    warmup = max(2, steps // 10)
    while done < steps + warmup:
        for inputs, targets in loader:
            if done == warmup:
                t0 = time.perf_counter()
            out = model(inputs)
            opt.zero_grad()
            loss = criterion(out, targets)
            loss.backward()
            nn.utils.clip_grad_norm_(model.parameters(), max_norm=1)
            opt.step()
            loss.item()  # the port's running average
            done += 1
            if done == steps + warmup:
                break
    return time.perf_counter() - t0


def clip_foreach(params, max_norm):
    """clip_grad_norm_ in three multi-tensor ops (1.13's has no foreach option)."""
    grads = [p.grad for p in params if p.grad is not None]
    total = torch.linalg.vector_norm(torch.stack(torch._foreach_norm(grads)))
    torch._foreach_mul_(grads, torch.clamp(max_norm / (total + 1e-6), max=1.0).item())


def train_tuned(model, x, y, batch, steps):
    x, y = torch.from_numpy(x), torch.from_numpy(y)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3, foreach=True)
    params = [p for p in model.parameters()]
    model.train()
    warmup = max(2, steps // 10)
    perm, at, total = torch.randperm(len(x)), 0, torch.zeros(())
    t0 = None
    for step in range(steps + warmup):
        if step == warmup:
            t0 = time.perf_counter()
        if at + batch > len(x):
            perm, at = torch.randperm(len(x)), 0
        idx = perm[at:at + batch]
        at += batch
        inputs, targets = x.index_select(0, idx), y.index_select(0, idx)
        opt.zero_grad(set_to_none=True)
        loss = nn.functional.mse_loss(model(inputs), targets)
        loss.backward()
        clip_foreach(params, 1.0)
        opt.step()
        total += loss.detach()
        if step % 100 == 99:
            total.item()
    return time.perf_counter() - t0


def gemm_rate(batch, seconds=1.5):
    a = torch.randn(batch, HIDDEN)
    w = torch.randn(HIDDEN, HIDDEN)
    g = torch.randn(batch, HIDDEN)
    for _ in range(5):
        a @ w.t(), g @ w, g.t() @ a
    n, t0 = 0, time.perf_counter()
    while time.perf_counter() - t0 < seconds:
        a @ w.t()  # forward
        g @ w      # gradient of the input
        g.t() @ a  # gradient of the weight
        n += 1
    return 3 * 2 * batch * HIDDEN * HIDDEN * n / (time.perf_counter() - t0)


def table(path):
    """The Markdown table of speed_vs_pytorch.sh's results: one row per round and batch, then the median
    and range over the rounds."""
    groups, current = [], {}
    for line in open(path):
        r = json.loads(line)
        if r["mode"] == "round":
            current.update(round=r["round"], batch=r["batch"])
            groups.append(current)
            current = {}
        else:
            current[r["mode"]] = r
    rows = []
    for g in groups:
        mflop = g["plain"]["mflop_per_sample"]
        r = {"round": g["round"], "batch": g["batch"], "hpe3d": g["hpe3d"]["samples_per_s"],
             "plain": g["plain"]["samples_per_s"], "prescott": g["prescott"]["samples_per_s"],
             "tuned": g["tuned"]["samples_per_s"], "gemm": g["gemm"]["gflops"]}
        r.update(vs_plain=r["hpe3d"] / r["plain"], vs_prescott=r["hpe3d"] / r["prescott"],
                 vs_tuned=r["hpe3d"] / r["tuned"], of_gemm=r["hpe3d"] * mflop / 1e3 / r["gemm"])
        rows.append(r)
    head = "| round | batch | hpe3d samples/s | PyTorch | PyTorch, Prescott kernels | tuned PyTorch | " \
           "hpe3d / PyTorch | hpe3d / PyTorch (Prescott) | hpe3d / tuned | GEMM GFLOP/s | hpe3d % of GEMM |"
    print(head)
    print("|" + " --- |" * 11)
    fmt = lambda r: (f"| {r['round']} | {r['batch']} | {r['hpe3d']:,.0f} | {r['plain']:,.0f} | {r['prescott']:,.0f} | "
                     f"{r['tuned']:,.0f} | {r['vs_plain']:.2f} | {r['vs_prescott']:.2f} | {r['vs_tuned']:.2f} | "
                     f"{r['gemm']:.0f} | {100 * r['of_gemm']:.0f}% |")
    for r in rows:
        print(fmt(r))
    for batch in sorted({r["batch"] for r in rows}):
        sel = [r for r in rows if r["batch"] == batch]
        med = {k: float(np.median([r[k] for r in sel])) for k in sel[0] if k not in ("round", "batch")}
        rng = lambda k, f: f"{f(min(r[k] for r in sel))}–{f(max(r[k] for r in sel))}"
        ratio = lambda k: f"{med[k]:.2f} ({rng(k, lambda v: f'{v:.2f}')})"
        print(f"| median ({len(sel)}) | {batch} | {med['hpe3d']:,.0f} | {med['plain']:,.0f} | {med['prescott']:,.0f} | "
              f"{med['tuned']:,.0f} | {ratio('vs_plain')} | {ratio('vs_prescott')} | {ratio('vs_tuned')} | "
              f"{med['gemm']:.0f} | {100 * med['of_gemm']:.0f}% ({rng('of_gemm', lambda v: f'{100 * v:.0f}')}) |")
    print(f"\nlinear-layer FLOPs: {groups[0]['plain']['mflop_per_sample']:.2f} MFLOP per sample "
          "(forward x 3); targets: hpe3d / PyTorch >= 2.5, hpe3d / tuned >= 1.3, >= 40% of GEMM at batch 256")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--mode", choices=["plain", "tuned", "gemm", "table"], required=True)
    ap.add_argument("--results", help="table: the JSON lines speed_vs_pytorch.sh collected")
    ap.add_argument("--label", help="plain, tuned: the mode name written (default: the mode)")
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--steps", type=int, default=200)
    ap.add_argument("--data", default="data/cmu_mocap.h5")
    ap.add_argument("--workers", type=int, default=0, help="DataLoader workers (plain)")
    ap.add_argument("--torch-threads", type=int, default=0, help="torch.set_num_threads (tuned; 0: leave)")
    a = ap.parse_args()
    if a.mode == "table":
        table(a.results)
        return
    info = {"mode": a.label or a.mode, "batch": a.batch, "torch_threads": torch.get_num_threads()}
    if a.mode == "gemm":
        if a.torch_threads:
            torch.set_num_threads(a.torch_threads)
        info["gflops"] = gemm_rate(a.batch) / 1e9
        print(json.dumps(info))
        return
    torch.manual_seed(0)
    x, y = load_data(a.data, [1, 5])
    model = Network()
    info["mflop_per_sample"] = 3 * linear_flop_per_sample(model) / 1e6
    if a.mode == "plain":
        seconds = train_plain(model, x, y, a.batch, a.steps, a.workers)
    else:
        if a.torch_threads:
            torch.set_num_threads(a.torch_threads)
        info["torch_threads"] = torch.get_num_threads()
        seconds = train_tuned(model, x, y, a.batch, a.steps)
    info["samples_per_s"] = a.steps * a.batch / seconds
    print(json.dumps(info))


if __name__ == "__main__":
    main()
