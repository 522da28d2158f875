#!/usr/bin/env bash
# Installs the dependencies (scripts/setup.sh), configures and builds.
# Usage: scripts/build.sh [targets...]   (all targets by default; BUILD_DIR=build, HPE3D_JOBS=2)
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/setup.sh
build_dir=${BUILD_DIR:-build}
generator=()
command -v ninja >/dev/null && generator=(-G Ninja)
cmake -S . -B "$build_dir" "${generator[@]}" -DCMAKE_BUILD_TYPE=Release
targets=()
[ $# -gt 0 ] && targets=(--target "$@")
cmake --build "$build_dir" -j "${HPE3D_JOBS:-2}" "${targets[@]}"
