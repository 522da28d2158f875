#!/usr/bin/env bash
# Installs every Debian package hpe3d uses. This file is the only dependency
# list: CMake, the tests, the demo and the Python scripts rely on nothing else.
# Idempotent; runs as root or through sudo.
set -euo pipefail

packages=(
  # toolchain
  build-essential cmake ninja-build ccache pkg-config
  clang libclang-rt-14-dev   # libFuzzer harnesses and the sanitizer preset (scripts/fuzz.sh)
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
  python3-matplotlib umap-learn   # scripts/plot_*.py (UMAP of exported latents, training curves)
  time
)

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
