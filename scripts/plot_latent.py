#!/usr/bin/env python3
"""UMAP of exported latent codes, one panel per neighbour count, points
coloured by action (as the thesis figure).

usage: plot_latent.py latents.h5 --out umap.png [--neighbors 5,15,50]
                      [--min-dist 0.1] [--metric euclidean|cosine] [--max-points 20000]

latents.h5 comes from h36m-export-latent. Falls back to PCA with a warning
when umap-learn is not installed (scripts/setup.sh installs it).
"""
import argparse
import sys

import h5py
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402


def embed(mu, neighbors, min_dist, metric, seed):
    try:
        import umap  # noqa: F401
    except ImportError:
        print("warning: umap-learn is not installed; showing PCA instead", file=sys.stderr)
        centred = mu - mu.mean(0)
        _, _, vt = np.linalg.svd(centred, full_matrices=False)
        return centred @ vt[:2].T, "PCA"
    import umap
    reducer = umap.UMAP(n_neighbors=neighbors, min_dist=min_dist, metric=metric, random_state=seed)
    return reducer.fit_transform(mu), f"UMAP, {neighbors} neighbours"


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("latents")
    p.add_argument("--out", required=True)
    p.add_argument("--neighbors", default="5,15,50")
    p.add_argument("--min-dist", type=float, default=0.1)
    p.add_argument("--metric", default="euclidean", choices=["euclidean", "cosine"])
    p.add_argument("--max-points", type=int, default=20000)
    p.add_argument("--seed", type=int, default=0)
    a = p.parse_args()
    try:
        neighbors = [int(n) for n in a.neighbors.split(",")]
    except ValueError:
        sys.exit(f"--neighbors: expected integers like 5,15,50, got {a.neighbors!r}")
    try:
        with h5py.File(a.latents, "r") as f:
            mu = f["mu"][:]
            action = f["action"][:]
            names = [n.decode() if isinstance(n, bytes) else n for n in f["action_names"][:]]
    except (OSError, KeyError) as e:
        sys.exit(f"{a.latents}: not a latent export ({e})")
    rng = np.random.default_rng(a.seed)
    if len(mu) > a.max_points:
        keep = rng.choice(len(mu), a.max_points, replace=False)
        mu, action = mu[keep], action[keep]
    fig, axes = plt.subplots(1, len(neighbors), figsize=(5 * len(neighbors), 5), squeeze=False)
    cmap = plt.get_cmap("tab20")
    for ax, n in zip(axes[0], neighbors):
        xy, title = embed(mu, min(n, len(mu) - 1), a.min_dist, a.metric, a.seed)
        for k in np.unique(action):
            sel = action == k
            ax.scatter(xy[sel, 0], xy[sel, 1], s=2, color=cmap(int(k) % 20), label=names[int(k)])
        ax.set_title(title)
        ax.set_xticks([])
        ax.set_yticks([])
    axes[0][-1].legend(markerscale=5, fontsize=8, loc="best")
    fig.suptitle(f"{a.latents}: {len(mu)} latent means, coloured by action")
    fig.tight_layout()
    fig.savefig(a.out, dpi=110)
    print(f"wrote {a.out}")


if __name__ == "__main__":
    main()
