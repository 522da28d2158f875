#!/usr/bin/env bash
# The main job on the embedded default data (real CMU motion capture from
# Debian's assimp-testmodels): install, build, prepare the pose file, train the
# 2D -> 3D lifting VAE of configs/demo/cmu_lift_vae.yaml, evaluate it, export
# and plot its latent space.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/build.sh h36m-prepare h36m-train h36m-eval h36m-export-latent
build_dir=${BUILD_DIR:-build}
python=${HPE3D_PYTHON:-/usr/bin/python3}

echo "== 1. prepare: CMU clips -> data/cmu_mocap.h5"
mkdir -p data
"$build_dir/tools/h36m-prepare" bvh --cmu-default --out data/cmu_mocap.h5
"$build_dir/tools/h36m-prepare" info data/cmu_mocap.h5

echo "== 2. train: configs/demo/cmu_lift_vae.yaml -> runs/demo"
rm -rf runs/demo
"$build_dir/tools/h36m-train" --config configs/demo/cmu_lift_vae.yaml --output runs/demo

echo "== 3. evaluate: Protocols 1-3 per action, 10 hypotheses -> runs/demo/eval.md"
"$build_dir/tools/h36m-eval" --checkpoint runs/demo/checkpoints/best.pt --hypotheses 10 --out runs/demo/eval.md \
  --figure runs/demo/predictions.png
"$build_dir/tools/h36m-eval" --checkpoint runs/demo/checkpoints/best.pt --hypotheses 10 --format json \
  --out runs/demo/eval.json
cat runs/demo/eval.md

echo "== 4. latents (all subjects) -> UMAP, and training curves"
"$build_dir/tools/h36m-export-latent" --checkpoint runs/demo/checkpoints/best.pt --subjects 1,5,9 \
  --out runs/demo/latents.h5
"$python" scripts/plot_latent.py runs/demo/latents.h5 --out runs/demo/umap.png
"$python" scripts/plot_training.py runs/demo --out runs/demo/curves.png

echo
echo "outputs:"
echo "  data/cmu_mocap.h5               the pose file (docs/data.md)"
echo "  runs/demo/config.yaml           the resolved experiment"
echo "  runs/demo/metrics.jsonl         losses, beta, lr, validation MPJPE per step/epoch"
echo "  runs/demo/train.log             the log"
echo "  runs/demo/checkpoints/best.pt   the best model by validation MPJPE"
echo "  runs/demo/eval.md, eval.json    the benchmark table (P1/P2/P3, best/mean of 10)"
echo "  runs/demo/predictions.png      25 test predictions (blue) over the ground truth (grey), errors in red"
echo "  runs/demo/latents.h5            posterior means/log-variances with labels"
echo "  runs/demo/umap.png              UMAP of the latents, coloured by clip"
echo "  runs/demo/curves.png            losses, beta, learning rate, validation MPJPE"
