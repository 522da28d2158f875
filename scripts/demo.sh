#!/usr/bin/env bash
# The main job on the embedded default data (real CMU motion capture from
# Debian's assimp-testmodels): install, build, prepare the pose file, train the
# 2D -> 3D lifting VAE of configs/demo/cmu_lift_vae.yaml, report.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/setup.sh
build_dir=${BUILD_DIR:-build}
generator=()
command -v ninja >/dev/null && generator=(-G Ninja)
cmake -S . -B "$build_dir" "${generator[@]}" -DCMAKE_BUILD_TYPE=Release
cmake --build "$build_dir" -j "${HPE3D_JOBS:-2}" --target h36m-prepare h36m-train

echo "== 1. prepare: CMU clips -> data/cmu_mocap.h5"
mkdir -p data
"$build_dir/tools/h36m-prepare" bvh --cmu-default --out data/cmu_mocap.h5
"$build_dir/tools/h36m-prepare" info data/cmu_mocap.h5

echo "== 2. train: configs/demo/cmu_lift_vae.yaml -> runs/demo"
rm -rf runs/demo
"$build_dir/tools/h36m-train" --config configs/demo/cmu_lift_vae.yaml --output runs/demo

echo
echo "outputs:"
echo "  data/cmu_mocap.h5               the pose file (docs/data.md)"
echo "  runs/demo/config.yaml           the resolved experiment"
echo "  runs/demo/metrics.jsonl         losses, beta, lr, validation MPJPE per step/epoch"
echo "  runs/demo/train.log             the log"
echo "  runs/demo/checkpoints/best.pt   the best model by validation MPJPE"
