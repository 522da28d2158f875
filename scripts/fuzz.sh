#!/usr/bin/env bash
# Builds the libFuzzer harnesses of fuzz/ (clang, AddressSanitizer + UBSan, a
# separate build directory) and runs each for SECONDS (default 60) on its
# seed corpus. Exits non-zero if any harness finds a crash, a timeout, a leak
# or an out-of-memory input (kept under $FUZZ_BUILD_DIR/artifacts/).
# Usage: scripts/fuzz.sh [SECONDS]   (FUZZ_BUILD_DIR=build-fuzz, HPE3D_JOBS=2,
#        FUZZ_HARNESSES="bvh config pose_file checkpoint")
set -euo pipefail
cd "$(dirname "$0")/.."

seconds=${1:-60}
build_dir=${FUZZ_BUILD_DIR:-build-fuzz}
harnesses=${FUZZ_HARNESSES:-bvh config pose_file checkpoint}

generator=()
command -v ninja >/dev/null && generator=(-G Ninja)
CC=clang CXX=clang++ cmake -S . -B "$build_dir" "${generator[@]}" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DHPE3D_FUZZ=ON >/dev/null
cmake --build "$build_dir" -j "${HPE3D_JOBS:-2}"

# Seed corpora: the real files (the shared fixtures, Debian's CMU clips, the
# shipped experiment configs). A harness's corpus directory keeps what it
# learns between runs.
corpus=$build_dir/corpus
artifacts=$build_dir/artifacts
mkdir -p "$artifacts"
for h in $harnesses; do
  mkdir -p "$corpus/$h"
  # Inputs that once failed (fuzz/regressions/<harness>/) are part of every run.
  [ -d "fuzz/regressions/$h" ] && cp -n fuzz/regressions/"$h"/* "$corpus/$h/"
done
shared=../shared/fixtures
if [[ " $harnesses " == *" bvh "* ]]; then
  for f in "$shared"/bvh_corpus/*.bvh /usr/share/assimp/models/BVH/*.bvh; do
    [ -f "$f" ] && cp -n "$f" "$corpus/bvh/" || true
  done
fi
if [[ " $harnesses " == *" config "* ]]; then
  for f in configs/*/*.yaml; do cp -n "$f" "$corpus/config/$(echo "$f" | tr / _)"; done
  printf 'train: {epochs: 2}\n#--set\ntrain.optimizer.lr=.nan\nmodel.pose.hidden=64\n' >"$corpus/config/with_overrides.yaml"
fi
if [[ " $harnesses " == *" checkpoint "* ]]; then
  HPE3D_FUZZ_WRITE_SEEDS="$corpus/checkpoint" "$build_dir/fuzz/checkpoint_fuzz" -runs=0 "$corpus/checkpoint" >/dev/null 2>&1
fi
if [[ " $harnesses " == *" pose_file "* ]] && [ -z "$(ls -A "$corpus/pose_file")" ]; then
  head -c 4096 /dev/urandom >"$corpus/pose_file/random"  # structure-aware: any bytes describe a file
fi

# LibTorch's archive reader leaks a few hundred bytes when it throws on a
# malformed zip (inside libtorch_cpu, not this project's code): suppressed.
export LSAN_OPTIONS=suppressions=$PWD/fuzz/lsan.supp${LSAN_OPTIONS:+:$LSAN_OPTIONS}

status=0
for h in $harnesses; do
  # -timeout: an input slower than 10 s is a finding (a hang); -rss_limit_mb: so is 2 GB. The
  # checkpoint harness gets 30 s and 4 GB: LibTorch, parsing a mutated file of the format before
  # checksums (which it reads unverified), can allocate 2 GB (docs/reliability.md, open findings).
  max_len=65536 timeout=10 rss=2048
  [ "$h" = checkpoint ] && max_len=262144 timeout=30 rss=4096
  log=$build_dir/$h.log
  if "$build_dir/fuzz/${h}_fuzz" -max_total_time="$seconds" -timeout=$timeout -rss_limit_mb=$rss -max_len=$max_len \
      -print_final_stats=1 -artifact_prefix="$artifacts/${h}-" "$corpus/$h" >"$log" 2>&1; then
    result=ok
  else
    result="FAILED (see $log and $artifacts)"
    status=1
  fi
  runs=$(grep -a -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' || echo "?")
  echo "[fuzz] $h: $runs executions in ${seconds} s, $result"
done
exit $status
