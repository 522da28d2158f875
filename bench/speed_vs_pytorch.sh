#!/usr/bin/env bash
# Trains the same network (bench/speed_net.yaml = Network() of
# bench/martinez_torch.py) for STEPS steps at batch 64 and 256, in one run:
#   hpe3d          h36m-train --benchmark (the trainer's steps; its own start-up settings)
#   pytorch        the public Martinez port's loop (Dataset + DataLoader), default environment
#   prescott       the same, with OpenBLAS's SSE3 (Prescott) kernels: PyTorch as users run
#                  it on a CPU that OpenBLAS does not recognise (hpe3d then picks the
#                  right kernels by itself: core/blas_kernels.h)
#   pytorch-tuned  the same loop on preloaded tensors, best settings found (below)
#   gemm           float32 GEMM rate of a 1024x1024 layer's three products at the batch
# ROUNDS times, interleaved, then prints the table (median and range of the rounds).
# Usage: bench/speed_vs_pytorch.sh [STEPS=300] [ROUNDS=3]
#   BUILD_DIR (build), DATA (data/cmu_mocap.h5), HPE3D_PYTHON (/usr/bin/python3)
set -euo pipefail
cd "$(dirname "$0")/.."
steps=${1:-300}
rounds=${2:-3}
tool=${BUILD_DIR:-build}/tools/h36m-train
py=${HPE3D_PYTHON:-/usr/bin/python3}
data=${DATA:-data/cmu_mocap.h5}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
results=$tmp/results.jsonl
cores=$(nproc)

hpe3d() {  # batch
  "$tool" --config bench/speed_net.yaml --set "data.file=$data" --set "train.batch_size=$1" \
    --output "$tmp/run" --benchmark "$steps" >"$tmp/out.txt" 2>"$tmp/log.txt" || { cat "$tmp/log.txt" >&2; exit 1; }
  core=$(sed -n 's/.*\[core\] BLAS: OpenBLAS \([A-Za-z0-9]*\) kernels.*/\1/p' "$tmp/log.txt" | tail -1)
  sed -n "s/^trainer \([0-9.]*\) samples\/s.*/{\"mode\": \"hpe3d\", \"batch\": $1, \"samples_per_s\": \1}/p" \
    "$tmp/out.txt" >>"$results"
}

# PyTorch as users run it: nothing set.
plain() { env -u OPENBLAS_CORETYPE "$py" bench/speed_vs_pytorch.py --mode plain --batch "$1" --steps "$steps" \
  --data "$data" >>"$results"; }

prescott() { env OPENBLAS_CORETYPE=Prescott "$py" bench/speed_vs_pytorch.py --mode plain --label prescott \
  --batch "$1" --steps "$steps" --data "$data" >>"$results"; }

# The best settings found for PyTorch 1.13 on this network (docs/performance.md):
# the OpenBLAS kernels hpe3d runs, all cores to OpenBLAS and 1 torch thread,
# glibc's mmap/trim thresholds at 256 MB (so freed activations stay in the heap).
tuned_env() {
  env OPENBLAS_CORETYPE="${core:-}" OPENBLAS_NUM_THREADS="$cores" OMP_NUM_THREADS=1 \
    MALLOC_MMAP_THRESHOLD_=268435456 MALLOC_TRIM_THRESHOLD_=268435456 "$@"
}
tuned() { tuned_env "$py" bench/speed_vs_pytorch.py --mode tuned --torch-threads 1 --batch "$1" --steps "$steps" \
  --data "$data" >>"$results"; }
gemm() { tuned_env "$py" bench/speed_vs_pytorch.py --mode gemm --torch-threads 1 --batch "$1" >>"$results"; }

for round in $(seq "$rounds"); do
  for batch in 64 256; do
    echo "round $round/$rounds, batch $batch" >&2
    hpe3d "$batch"
    plain "$batch"
    prescott "$batch"
    tuned "$batch"
    gemm "$batch"
    echo "{\"mode\": \"round\", \"round\": $round, \"batch\": $batch}" >>"$results"
  done
done
echo "OpenBLAS kernels: ${core:-unknown}; $cores cores; $steps steps per measurement; $rounds round(s)"
"$py" bench/speed_vs_pytorch.py --mode table --results "$results"
