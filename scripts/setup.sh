#!/usr/bin/env bash
# Installs every Debian package hpe3d uses. This file is the only dependency
# list: CMake, the tests, the demo and the Python scripts rely on nothing else.
# Idempotent; runs as root or through sudo.
# usage: scripts/setup.sh            install what is missing
#        scripts/setup.sh --list     print the packages that build and test the project, one a line
#                                    (what scripts/debian_chroot.sh installs in a trixie or sid chroot)
set -euo pipefail

# Builds the project and runs its test suite, on this Debian and in the chroots.
build_test=(
  # toolchain
  build-essential cmake ninja-build ccache pkg-config
  # C++ libraries
  libtorch-dev            # LibTorch 1.13.1, CPU
  libgloo-dev             # gloo headers that c10d's ProcessGroupGloo.hpp includes (data-parallel training)
  libopenblas0-pthread    # without it LibTorch uses the reference BLAS (4-8x slower)
  libhdf5-dev
  libyaml-cpp-dev
  libspdlog-dev libfmt-dev
  libcli11-dev
  nlohmann-json3-dev      # metrics.jsonl, fixtures in tests
  libeigen3-dev
  zlib1g-dev              # CRC-32 of checkpoints
  libopencv-dev           # PNG figures (h36m-eval --figure), image crops
  libgtest-dev libgmock-dev
  libbenchmark-dev
  # data: real CMU motion-capture clips (BVH) for the demo data set
  assimp-testmodels
  # Python used by tests (parity, file checks) and scripts (plots, converters)
  python3 python3-numpy python3-h5py python3-yaml
  python3-torch python3-torchvision   # python3-torch also brings torchrun (data-parallel launches)
  time
)
# This machine only: the fuzz and sanitizer builds, the LibTorch 2.x chroots, plots.
host_only=(
  clang libclang-rt-14-dev   # libFuzzer harnesses and the sanitizer preset (scripts/fuzz.sh)
  mmdebstrap                 # Debian trixie/sid chroots: LibTorch 2.x builds (scripts/debian_chroot.sh)
  python3-matplotlib umap-learn   # scripts/plot_*.py (UMAP of exported latents, training curves)
)

if [[ ${1:-} == --list ]]; then
  printf '%s\n' "${build_test[@]}"
  exit 0
fi
packages=("${build_test[@]}" "${host_only[@]}")

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "[setup] all ${#packages[@]} packages present"
  exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || { echo "[setup] need root or sudo to install: ${missing[*]}" >&2; exit 1; }
  SUDO="sudo"
fi
echo "[setup] installing: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
