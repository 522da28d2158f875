#!/usr/bin/env bash
# One-GPU training speed of the Martinez network (bench/speed_net.yaml =
# Network() of bench/martinez_torch.py), hpe3d against PyTorch, in one run:
# batch 64, 256 and 1024, fp32 and bf16 (hpe3d: train.amp=true, autocast to
# bfloat16; PyTorch: torch.autocast(bfloat16)), interleaved, STEPS steps each.
#   hpe3d    h36m-train --benchmark STEPS --device cuda (its "trainer" samples/s)
#   pytorch  bench/gpu_speed.py: the same network and loop on tensors on the GPU
# Usage: bench/gpu_speed.sh [STEPS=500] [RESULTS_DIR]   (writes results.jsonl and table.md there)
#   BUILD_DIR (build), DATA (data/cmu_mocap.h5), HPE3D_PYTHON (python3)
set -euo pipefail
cd "$(dirname "$0")/.."
steps=${1:-500}
outdir=${2:-$(mktemp -d)}
mkdir -p "$outdir"
tool=${BUILD_DIR:-build}/tools/h36m-train
py=${HPE3D_PYTHON:-python3}
data=${DATA:-data/cmu_mocap.h5}
results=$outdir/results.jsonl
: >"$results"
run_dir=$(mktemp -d)
trap 'rm -rf "$run_dir"' EXIT

for batch in 64 256 1024; do
  for dtype in fp32 bf16; do
    amp=false
    [[ $dtype == bf16 ]] && amp=true
    echo "batch $batch, $dtype" >&2
    if "$tool" --config bench/speed_net.yaml --set "data.file=$data" --set "train.batch_size=$batch" \
        --set "train.amp=$amp" --device cuda --output "$run_dir/run" --benchmark "$steps" \
        >"$run_dir/out.txt" 2>"$run_dir/log.txt"; then
      sed -n "s/^trainer \([0-9.]*\) samples\/s, bare loop \([0-9.]*\) samples\/s.*/{\"side\": \"hpe3d\", \"batch\": $batch, \"dtype\": \"$dtype\", \"samples_per_s\": \1, \"bare_samples_per_s\": \2}/p" \
        "$run_dir/out.txt" >>"$results"
    else
      echo "hpe3d failed at batch $batch $dtype:" >&2
      tail -5 "$run_dir/log.txt" >&2
      echo "{\"side\": \"hpe3d\", \"batch\": $batch, \"dtype\": \"$dtype\", \"error\": true}" >>"$results"
    fi
    rm -rf "$run_dir/run"
    PYTHONPATH=bench "$py" bench/gpu_speed.py --mode torch --batch "$batch" --dtype "$dtype" --steps "$steps" \
      --data "$data" >>"$results" ||
      echo "{\"side\": \"pytorch\", \"batch\": $batch, \"dtype\": \"$dtype\", \"error\": true}" >>"$results"
  done
done
PYTHONPATH=bench "$py" bench/gpu_speed.py --mode table --results "$results" | tee "$outdir/table.md"
