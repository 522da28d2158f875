#!/usr/bin/env bash
# Accuracy parity of hpe3d's Martinez et al. baseline with the public PyTorch
# port's recipe, on the same pose file, for the same seeds, in one run:
#   hpe3d  h36m-train --config configs/h36m/baseline_martinez.yaml, then
#          h36m-eval --protocols 1,2 on each of the last 10 epochs' checkpoints
#   port   bench/martinez_parity.py (Debian's python3-torch), evaluated after every epoch
# Every run uses one thread; nproc runs go at a time. Prints, per seed and as
# mean +- sd over the seeds, P1/P2 after the last epoch and averaged over the
# last 10 epochs (the test error moves by several mm from epoch to epoch).
# Usage: bench/martinez_parity.sh [SEEDS=5] [EPOCHS=100] [OUT=runs/parity]
#   BUILD_DIR (build), HPE3D_PYTHON (/usr/bin/python3), DATA (train subjects 1,5, test 9; default
#   data/cmu_mocap.h5, which scripts/demo.sh writes: h36m-prepare bvh --cmu-default --out data/cmu_mocap.h5)
set -euo pipefail
cd "$(dirname "$0")/.."
seeds=${1:-5}
epochs=${2:-100}
out=${3:-runs/parity}
build=${BUILD_DIR:-build}
py=${HPE3D_PYTHON:-/usr/bin/python3}
data=${DATA:-data/cmu_mocap.h5}
last=$((epochs < 10 ? epochs : 10))
mkdir -p "$out"

run_one() {  # hpe3d|port SEED
  local kind=$1 seed=$2
  if [[ $kind == port ]]; then
    OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 "$py" bench/martinez_parity.py --data "$data" --epochs "$epochs" --seed "$seed" --threads 1 \
      >"$out/port_s$seed.jsonl" 2>"$out/port_s$seed.log"
    return
  fi
  local run=$out/hpe3d_s$seed
  rm -rf "$run"
  "$build/tools/h36m-train" --config configs/h36m/baseline_martinez.yaml --output "$run" \
    --set "data.file=$data" --set 'data.train_subjects=[1,5]' --set 'data.test_subjects=[9]' \
    --set "train.epochs=$epochs" --set "train.seed=$seed" --set train.keep_last=$last \
    --set runtime.threads=1 >"$run.log" 2>&1
  : >"$run.jsonl"
  for ckpt in "$run"/checkpoints/epoch_*.pt; do
    local e=${ckpt##*epoch_}
    "$build/tools/h36m-eval" --checkpoint "$ckpt" --protocols 1,2 --format json 2>>"$run.log" |
      "$py" -c 'import json, sys; r = json.load(sys.stdin)["protocols"]
print(json.dumps({"epoch": int(sys.argv[1]), "p1": r["p1"]["mean_over_frames"], "p2": r["p2"]["mean_over_frames"]}))' \
        "$((10#${e%.pt}))" >>"$run.jsonl"
  done
}
export -f run_one
export out epochs data py build last

for seed in $(seq "$seeds"); do printf 'hpe3d %s\nport %s\n' "$seed" "$seed"; done |
  xargs -P "$(nproc)" -L 1 bash -c 'run_one "$0" "$1" || { echo "failed: $0 seed $1 (log in $out)" >&2; exit 255; }'
"$py" bench/martinez_parity.py --table "$out" --last "$last"
