#!/usr/bin/env bash
# Installs the dependencies, configures, builds and runs the whole test suite.
# Usage: scripts/test.sh [ctest arguments...]   (BUILD_DIR=build by default)
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/build.sh
build_dir=${BUILD_DIR:-build}
cd "$build_dir"
ctest --output-on-failure "$@"
