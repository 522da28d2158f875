#!/usr/bin/env bash
# Installs the dependencies, configures, builds and runs the whole test suite.
# Usage: scripts/test.sh [ctest arguments...]   (BUILD_DIR=build by default)
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/setup.sh
build_dir=${BUILD_DIR:-build}
generator=()
command -v ninja >/dev/null && generator=(-G Ninja)
cmake -S . -B "$build_dir" "${generator[@]}" -DCMAKE_BUILD_TYPE=Release
cmake --build "$build_dir" -j "${HPE3D_JOBS:-2}"
cd "$build_dir"
ctest --output-on-failure "$@"
