#!/usr/bin/env bash
# Builds every target of hpe3d (library, tools, tests, benchmarks) against
# Debian trixie's CUDA LibTorch (libtorch-cuda-dev 2.6, contrib) with the CUDA
# toolkit (nvidia-cuda-toolkit, non-free) and NCCL (libnccl-dev), in a chroot
# made by scripts/debian_chroot.sh; no GPU is needed and nothing on the host
# changes. cuDNN cannot be installed from Debian (nvidia-cudnn is an installer
# that downloads from NVIDIA in its post-install): the chroot declines its
# license question (debconf), so the package installs without downloading and
# libcudnn.so.9 stays absent. The executables are therefore linked with
# -Wl,--allow-shlib-undefined (libtorch_cuda's own references to cuDNN stay
# open), and this script then proves that every other symbol resolves:
#   1. each executable's undefined dynamic symbols, resolved against the
#      libraries it loads (ldd-style, with libcudnn.so.9 missing), leave only
#      symbols that libtorch_cuda.so itself imports from cuDNN (cudnn*);
#   2. every hpe3d symbol (our namespace, demangled) is defined;
#   3. one executable relinked without --allow-shlib-undefined fails only on
#      libcudnn (ld's diagnostics name nothing else).
# It also prints whether Torch's CMake gave our targets USE_C10D_NCCL.
#
# usage: scripts/check_cuda_build.sh [create|build|verify|all]   (default all)
# env:   HPE3D_CUDA_BUILD_DIR  build folder in the tree (default build-cuda-check)
#        HPE3D_CUDA_CHECK_REV  build this commit (git archive into a scratch copy, e.g. HEAD) instead of
#                              the working tree, so that edits in progress do not break the check
#        JOBS                  parallel compilers (default 2)
#        and those of scripts/debian_chroot.sh (HPE3D_CHROOT_CACHE, HPE3D_DEBIAN_MIRROR)
# Exit status: 0 all targets built and only cuDNN is undefined; 1 a check failed;
#              3 no Debian mirror (from debian_chroot.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
step=${1:-all}
build=${HPE3D_CUDA_BUILD_DIR:-build-cuda-check}
jobs=${JOBS:-2}

export HPE3D_CHROOT_NAME=trixie-cuda
export HPE3D_CHROOT_COMPONENTS="main contrib non-free non-free-firmware"
# libtorch-cuda-dev conflicts with libtorch-dev, libgloo-cuda-dev with libgloo-dev and
# python3-torch-cuda with python3-torch (torchvision needs one of them): the build needs no Python torch.
export HPE3D_CHROOT_REPLACE="libtorch-dev=libtorch-cuda-dev libgloo-dev=libgloo-cuda-dev python3-torch= python3-torchvision="
# nvidia-cudnn's postinst downloads cuDNN only when its license question is answered "I Agree" (the default).
export HPE3D_CHROOT_HOOK='echo "nvidia-cudnn nvidia-cudnn/question select I Decline" | chroot "$1" debconf-set-selections'
extra=(nvidia-cuda-toolkit libnccl-dev)
chroot_sh=scripts/debian_chroot.sh

if [[ $step == create || $step == all ]]; then
  start=$(date +%s)
  bash $chroot_sh create trixie "${extra[@]}"
  echo "[cuda-check] chroot ready after $(( $(date +%s) - start )) s"
fi

if [[ -n ${HPE3D_CUDA_CHECK_REV:-} && $step != create ]]; then
  copy=${HPE3D_CHROOT_CACHE:-/var/cache/hpe3d}/cuda-check-src
  if [[ $step == build || $step == all ]]; then
    keep=$(mktemp -d); [[ -d $copy/$build ]] && mv "$copy/$build" "$keep/"  # the build folder survives a new commit
    rm -rf "$copy"; mkdir -p "$copy"
    git archive "$HPE3D_CUDA_CHECK_REV" | tar -x -C "$copy"
    [[ -d $keep/$build ]] && mv "$keep/$build" "$copy/"
    rmdir "$keep" 2>/dev/null || true
  fi
  cp scripts/debian_chroot.sh "$copy/scripts/debian_chroot.sh"
  chroot_sh=$copy/scripts/debian_chroot.sh
  echo "[cuda-check] sources: $HPE3D_CUDA_CHECK_REV ($(git rev-parse --short "$HPE3D_CUDA_CHECK_REV")) in $copy"
fi
run() { bash "$chroot_sh" run trixie "$@"; }

if [[ $step == build || $step == all ]]; then
  start=$(date +%s)
  # Every target: library, tools, tests, benchmarks. libtorch_cuda's references to cuDNN stay open.
  run cmake -S /src -B "/src/$build" -G Ninja -DCMAKE_BUILD_TYPE=Release \
    -DHPE3D_REQUIRE_CUDA=ON -DHPE3D_BUILD_TESTS=ON -DHPE3D_BUILD_BENCHMARKS=ON \
    -DCMAKE_EXE_LINKER_FLAGS=-Wl,--allow-shlib-undefined \
    -DCMAKE_GTEST_DISCOVER_TESTS_DISCOVERY_MODE=PRE_TEST  # the test binary cannot start here (no libcudnn)
  configured=$(date +%s)
  # -k 0: every translation unit that can compile does, and the log names each one that cannot.
  rc=0
  run cmake --build "/src/$build" -j "$jobs" -- -k 0 || rc=$?
  echo "[cuda-check] configure $(( configured - start )) s, build $(( $(date +%s) - configured )) s (-j $jobs)"
  if [[ $rc != 0 ]]; then
    echo "[cuda-check] build failed (exit $rc)"
    exit 1
  fi
fi

if [[ $step == verify || $step == all ]]; then
  run bash -euo pipefail -c '
    build=$1
    fail=0
    # USE_C10D_NCCL on the translation unit that holds ProcessGroupNCCL.
    if grep -F "process_group.cpp" "$build/compile_commands.json" | grep -q -- "-DUSE_C10D_NCCL"; then
      echo "[cuda-check] USE_C10D_NCCL: defined for src/core/process_group.cpp (from Torch'"'"'s torch_cuda target)"
    else
      echo "[cuda-check] USE_C10D_NCCL: NOT defined for src/core/process_group.cpp"; fail=1
    fi
    mapfile -t exes < <(find "$build" -path "*/CMakeFiles" -prune -o -type f -perm -u+x -print |
                        while read -r f; do head -c4 "$f" | grep -q ELF && echo "$f"; done | sort)
    echo "[cuda-check] ${#exes[@]} executables: $(printf "%s " "${exes[@]#$build/}")"
    [[ ${#exes[@]} -gt 0 ]] || fail=1
    for exe in "${exes[@]}"; do
      name=${exe#$build/}
      grep -q libtorch_cuda <(ldd "$exe") || { echo "FAIL $name: does not load libtorch_cuda"; fail=1; }
      # Unresolved at load time: each "undefined symbol: S (OBJECT)" line of ldd -r, and each library not found.
      out=$(ldd -r "$exe" 2>&1 || true)
      missing=$(grep "=> not found" <<<"$out" | awk "{print \$1}" | sort -u | tr "\n" " ")
      undef=$(grep "^undefined symbol:" <<<"$out" || true)
      n_undef=$(grep -c . <<<"$undef" || true)
      # e.g. "undefined symbol: cudnnGetVersion, version libcudnn.so.9	(/lib/x86_64-linux-gnu/libtorch_cuda.so.2.6)"
      other=$(grep -v -E "^undefined symbol: cudnn[A-Za-z0-9_]*(, version libcudnn\.so\.9)?\s+\((/usr)?/lib/x86_64-linux-gnu/libtorch_cuda\.so[.0-9]*\)$" <<<"$undef" | grep . || true)
      ours=$(nm -D --undefined-only -C "$exe" | grep -c "hpe3d::" || true)
      if [[ $missing != "libcudnn.so.9 " || -n $other || $ours != 0 ]]; then
        echo "FAIL $name: libraries not found [$missing], hpe3d symbols undefined: $ours, undefined beyond cuDNN in libtorch_cuda:"
        head -20 <<<"$other"
        fail=1
      else
        echo "ok   $name: only libcudnn.so.9 missing; $n_undef undefined symbols, all cudnn* referenced by libtorch_cuda.so"
      fi
    done
    # One executable relinked without --allow-shlib-undefined: ld must complain about cuDNN alone.
    exe=tools/h36m-train
    cmd=$(cd "$build" && ninja -t commands "$exe" | tail -1)
    cmd=${cmd//-Wl,--allow-shlib-undefined/}
    cmd=${cmd/-o $exe /-o /tmp/h36m-train.strict }
    if (cd "$build" && eval "$cmd") >/tmp/strict.log 2>&1; then
      echo "FAIL strict relink of $exe succeeded: expected cuDNN to be missing"; fail=1
    else
      n=$(grep -c "undefined reference to" /tmp/strict.log || true)
      bad=$(grep "undefined reference to" /tmp/strict.log | grep -v -E "libtorch_cuda\.so[.0-9]*: undefined reference to .cudnn" || true)
      nf=$(grep -o "lib[A-Za-z0-9_.+-]*\.so[.0-9]*, needed by" /tmp/strict.log | sort -u | tr "\n" " ")
      if [[ -z $bad && $n -gt 0 ]]; then
        echo "ok   strict relink of $exe fails on cuDNN only: $n undefined references, all libtorch_cuda -> cudnn*; not found: $nf"
      else
        echo "FAIL strict relink of $exe: other errors:"; grep -v -E "cudnn" /tmp/strict.log | head -20; fail=1
      fi
    fi
    exit $fail
  ' bash "/src/$build"
  echo "[cuda-check] all targets built against libtorch_cuda; nothing but cuDNN is undefined"
fi
