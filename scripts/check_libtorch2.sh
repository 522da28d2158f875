#!/usr/bin/env bash
# Builds the whole project (library, tools, tests, benchmarks) against
# LibTorch 2.x and runs the full test suite there: Debian trixie's
# libtorch-dev 2.6 (or sid's 2.14), in a chroot of that suite with the
# project's own package list (scripts/debian_chroot.sh; nothing on the host
# changes). The build folder, build-<suite>, and the chroot are kept, so a
# second run rebuilds only what changed.
#
# usage: scripts/check_libtorch2.sh [SUITE] [ctest arguments...]   (SUITE: trixie by default, or sid)
# env:   HPE3D_JOBS  parallel compilers (default 2); those of scripts/debian_chroot.sh
#        (sid on a mirror whose snapshot has expired: HPE3D_CHROOT_APTOPT='Acquire::Check-Valid-Until "false"')
# Exit status: ctest's; 3 when no Debian mirror is configured or reachable.
set -euo pipefail
cd "$(dirname "$0")/.."
suite=${1:-trixie}
[[ $# -gt 0 ]] && shift
jobs=${HPE3D_JOBS:-2}

start=$(date +%s)
bash scripts/debian_chroot.sh create "$suite"
made=$(date +%s)
# In the chroot: /src is this tree, /shared the shared fixtures beside it.
bash scripts/debian_chroot.sh run "$suite" bash -euo pipefail -c '
  build=build-$0 jobs=$1; shift
  v=/usr/include/torch/csrc/api/include/torch/version.h  # 2.10+: the numbers are in torch/headeronly/version.h
  [ -f /usr/include/torch/headeronly/version.h ] && v=/usr/include/torch/headeronly/version.h
  echo "[libtorch2] $0: LibTorch $(awk "/define TORCH_VERSION_(MAJOR|MINOR|PATCH)/ {printf \"%s%s\", s, \$3; s=\".\"}" $v), $(g++ --version | head -1)"
  cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
  t=$(date +%s)
  cmake --build "$build" -j "$jobs"
  echo "[libtorch2] built in $(( $(date +%s) - t )) s"
  t=$(date +%s)
  cd "$build" && ctest --output-on-failure "$@"
  echo "[libtorch2] tests ran in $(( $(date +%s) - t )) s"
' "$suite" "$jobs" "$@"
echo "[libtorch2] $suite: chroot $(( made - start )) s, build and tests $(( $(date +%s) - made )) s"
