#!/usr/bin/env python3
"""Training curves of an h36m-train run: loss terms, beta, learning rate and
validation MPJPE per epoch, from RUN_DIR/metrics.jsonl.

usage: plot_training.py RUN_DIR --out curves.png
"""
import argparse
import json
import os
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("run_dir")
    p.add_argument("--out", required=True)
    a = p.parse_args()
    path = os.path.join(a.run_dir, "metrics.jsonl")
    try:
        rows = [json.loads(line) for line in open(path) if line.strip()]
    except OSError as e:
        sys.exit(f"{path}: {e.strerror}")
    epochs = [r for r in rows if r.get("kind") == "epoch"]
    if not epochs:
        sys.exit(f"{path}: no epoch records yet")
    x = [r["epoch"] for r in epochs]
    terms = sorted(k for k in epochs[0] if "->" in k)
    fig, ax = plt.subplots(1, 4, figsize=(20, 4))
    for k in terms:
        ax[0].plot(x, [r.get(k) for r in epochs], label=k)
    ax[0].set_yscale("log")
    ax[0].set_title("loss terms (per epoch)")
    ax[0].legend(fontsize=7)
    ax[1].plot(x, [r["beta"] for r in epochs])
    ax[1].set_title("beta")
    ax[2].plot(x, [r["lr"] for r in epochs])
    ax[2].set_title("learning rate")
    ax[3].plot(x, [r["val_mpjpe_mm"] for r in epochs])
    ax[3].set_title("validation MPJPE (mm)")
    for axis in ax:
        axis.set_xlabel("epoch")
    fig.tight_layout()
    fig.savefig(a.out, dpi=100)
    print(f"wrote {a.out}")


if __name__ == "__main__":
    main()
