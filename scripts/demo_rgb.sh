#!/usr/bin/env bash
# The RGB modality on the embedded CMU motion capture: renders of the real
# motion (capsule figures, not photographs) through the Human3.6M cameras,
# a crop cache, then rgb->pose3d + rgb->rgb + pose2d->pose3d trained together
# (configs/demo/cmu_rgb_crossmodal.yaml, about 10 minutes on 2 CPU cores),
# evaluated per input modality.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/build.sh h36m-prepare h36m-train h36m-eval h36m-export-latent
build_dir=${BUILD_DIR:-build}
tools=$build_dir/tools

echo "== 1. poses, renders, crop cache"
mkdir -p data
"$tools/h36m-prepare" bvh --cmu-default --out data/cmu_mocap.h5
"$tools/h36m-prepare" render --data data/cmu_mocap.h5 --size 64 --out data/cmu_render
"$tools/h36m-prepare" cache-crops --data data/cmu_mocap.h5 --image-root data/cmu_render --size 64 \
  --out data/cmu_crops64.h5

echo "== 2. train: configs/demo/cmu_rgb_crossmodal.yaml -> runs/demo_rgb"
rm -rf runs/demo_rgb
"$tools/h36m-train" --config configs/demo/cmu_rgb_crossmodal.yaml --output runs/demo_rgb

echo "== 3. evaluate each input modality"
ckpt=runs/demo_rgb/checkpoints/best.pt
"$tools/h36m-eval" --checkpoint "$ckpt" --pair 'rgb->pose3d' --out runs/demo_rgb/eval_rgb.md \
  --figure runs/demo_rgb/predictions_rgb.png
"$tools/h36m-eval" --checkpoint "$ckpt" --pair 'pose2d->pose3d' --out runs/demo_rgb/eval_pose2d.md
echo "rgb -> pose3d:"; cat runs/demo_rgb/eval_rgb.md
echo "pose2d -> pose3d:"; cat runs/demo_rgb/eval_pose2d.md
"$tools/h36m-export-latent" --checkpoint "$ckpt" --modality rgb --out runs/demo_rgb/latents_rgb.h5

echo
echo "outputs: runs/demo_rgb/{eval_rgb.md,eval_pose2d.md,predictions_rgb.png,latents_rgb.h5,metrics.jsonl}"
