#!/usr/bin/env python3
"""The PyTorch side of bench/gpu_speed.sh: bench/martinez_torch.py's Network()
(Martinez et al.'s network, = bench/speed_net.yaml) trained on one GPU on
preloaded, z-scored tensors already on the device: a shuffled permutation per
epoch, Adam(foreach), clip_grad_norm_(1), MSE; fp32, or bf16 autocast (as
hpe3d's train.amp: autocast to bfloat16, no loss scaling). Prints one JSON
line {"side": "pytorch", "batch", "dtype", "samples_per_s", ...}.

  --mode torch   measure (needs a CUDA device unless --device cpu)
  --mode table   the Markdown table of gpu_speed.sh's results file
"""
import argparse
import json
import time

import torch
from torch import nn

from martinez_torch import Network, ZScore, load_split


def train(batch, steps, dtype, device, data):
    torch.manual_seed(0)
    p2, p3 = load_split(data, [1, 5])
    x = torch.from_numpy(ZScore(p2)(p2)).to(device)
    y = torch.from_numpy(ZScore(p3)(p3)).to(device)
    model = Network().to(device)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3, foreach=True)
    model.train()
    warmup = max(10, steps // 10)
    perm, at = torch.randperm(len(x), device=device), 0
    total = torch.zeros((), device=device)
    try:  # foreach= since PyTorch 2.0
        nn.utils.clip_grad_norm_(model.parameters(), max_norm=1.0, foreach=True)
        clip = lambda params: nn.utils.clip_grad_norm_(params, max_norm=1.0, foreach=True)
    except TypeError:
        clip = lambda params: nn.utils.clip_grad_norm_(params, max_norm=1.0)
    sync = torch.cuda.synchronize if device == "cuda" else (lambda: None)
    t0 = None
    for step in range(steps + warmup):
        if step == warmup:
            sync()
            t0 = time.perf_counter()
        if at + batch > len(x):
            perm, at = torch.randperm(len(x), device=device), 0
        idx = perm[at:at + batch]
        at += batch
        inputs, targets = x.index_select(0, idx), y.index_select(0, idx)
        opt.zero_grad(set_to_none=True)
        with torch.autocast(device_type=device, dtype=torch.bfloat16, enabled=(dtype == "bf16")):
            out = model(inputs)
        loss = nn.functional.mse_loss(out.float(), targets)
        loss.backward()
        clip(model.parameters())
        opt.step()
        total += loss.detach()
    sync()
    seconds = time.perf_counter() - t0
    return {"samples_per_s": batch * steps / seconds, "seconds": seconds, "final_loss": float(total / (steps + warmup))}


def table(path):
    rows = {}
    for line in open(path):
        r = json.loads(line)
        rows.setdefault((r["batch"], r["dtype"]), {})[r["side"]] = r
    print("| batch | dtype | hpe3d samples/s | PyTorch samples/s | hpe3d / PyTorch |")
    print("| --- | --- | --- | --- | --- |")
    for (batch, dtype), r in sorted(rows.items()):
        h, p = r.get("hpe3d", {}).get("samples_per_s"), r.get("pytorch", {}).get("samples_per_s")
        ratio = f"{h / p:.2f}" if h and p else "n/a"
        fmt = lambda v: f"{v:,.0f}" if v else "n/a"
        print(f"| {batch} | {dtype} | {fmt(h)} | {fmt(p)} | {ratio} |")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--mode", choices=["torch", "table"], required=True)
    ap.add_argument("--results")
    ap.add_argument("--batch", type=int, default=256)
    ap.add_argument("--steps", type=int, default=500)
    ap.add_argument("--dtype", choices=["fp32", "bf16"], default="fp32")
    ap.add_argument("--device", default="cuda")
    ap.add_argument("--data", default="data/cmu_mocap.h5")
    a = ap.parse_args()
    if a.mode == "table":
        table(a.results)
        return
    if a.device == "cuda" and not torch.cuda.is_available():
        raise SystemExit("gpu_speed.py: torch.cuda.is_available() is False")
    info = {"side": "pytorch", "batch": a.batch, "dtype": a.dtype, "steps": a.steps, "torch": torch.__version__,
            "device_name": torch.cuda.get_device_name() if a.device == "cuda" else "cpu"}
    info.update(train(a.batch, a.steps, a.dtype, a.device, a.data))
    print(json.dumps(info))


if __name__ == "__main__":
    main()
