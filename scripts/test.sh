#!/usr/bin/env bash
# Installs the dependencies, configures, builds and runs the whole test suite.
# Usage: scripts/test.sh [ctest arguments...]   (BUILD_DIR=build, HPE3D_FUZZ_SECONDS=30 by default)
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/build.sh
build_dir=${BUILD_DIR:-build}
(cd "$build_dir" && ctest --output-on-failure "$@")
# The same project built and tested against LibTorch 2.6 (Debian trixie, in a
# chroot made from this machine's Debian mirror: scripts/check_libtorch2.sh).
# HPE3D_LIBTORCH2=0 skips it (say so when you report results); without a
# reachable mirror it fails, as a missing package would.
if [[ ${HPE3D_LIBTORCH2:-1} != 0 ]]; then
  bash scripts/check_libtorch2.sh trixie "$@"
else
  echo "[test] LibTorch 2.6 build and tests SKIPPED (HPE3D_LIBTORCH2=0)" >&2
fi
# The libFuzzer harnesses on their sanitizer build, HPE3D_FUZZ_SECONDS (30) each
# (docs/reliability.md); 0 skips them.
fuzz_seconds=${HPE3D_FUZZ_SECONDS:-30}
if [[ $fuzz_seconds != 0 ]]; then bash scripts/fuzz.sh "$fuzz_seconds"; fi
