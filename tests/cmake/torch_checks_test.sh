#!/usr/bin/env bash
# cmake/TorchChecks.cmake against tiny fake Torch prefixes: each configure of
# the project must fail with its one expected message (or, for the real Debian
# LibTorch, succeed). Every case runs the project's real CMakeLists.txt in a
# scratch build folder; nothing is built.
# usage: tests/cmake/torch_checks_test.sh [SOURCE_DIR] [CMAKE]   (default: this tree, cmake)
# env:   HPE3D_TORCH_CHECKS_REAL=0  skip the case that configures against the installed LibTorch
set -uo pipefail
src=$(cd "${1:-$(dirname "$0")/../..}" && pwd)
cmake=${2:-cmake}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
gen=()
command -v ninja >/dev/null && gen=(-G Ninja)
failures=0 n=0

# A fake LibTorch prefix: PREFIX/share/cmake/{Torch,Caffe2}. Its TorchConfig.cmake
# sets TORCH_CXX_FLAGS to $2 and, when $3 is "cuda", its Caffe2Config.cmake says
# CAFFE2_USE_CUDA ON. If Torch's (fake) config is ever loaded for a CUDA prefix,
# it reports which CUDA runtime target it saw and stops.
fake_torch() {  # prefix cxx_flags cpu|cuda
  mkdir -p "$1/share/cmake/Torch" "$1/share/cmake/Caffe2"
  if [[ $3 == cuda ]]; then
    echo 'set(CAFFE2_USE_CUDA ON)' >"$1/share/cmake/Caffe2/Caffe2Config.cmake"
    cat >"$1/share/cmake/Torch/TorchConfig.cmake" <<'CM'
get_target_property(_inc torch::cudart INTERFACE_INCLUDE_DIRECTORIES)
get_target_property(_lib torch::cudart INTERFACE_LINK_LIBRARIES)
message(FATAL_ERROR "fake CUDA Torch loaded: torch::cudart include ${_inc} link ${_lib}")
CM
  else
    echo 'set(CAFFE2_USE_CUDA OFF)' >"$1/share/cmake/Caffe2/Caffe2Config.cmake"
    printf 'set(TORCH_CXX_FLAGS "%s")\nset(TORCH_LIBRARIES "")\nset(TORCH_INCLUDE_DIRS "")\n' "$2" \
      >"$1/share/cmake/Torch/TorchConfig.cmake"
  fi
}

# case NAME EXPECT(fail|pass) PATTERN CMAKE_ARGS... : configure, check status and output.
case_() {
  local name=$1 expect=$2 pattern=$3
  shift 3
  n=$((n + 1))
  local out=$tmp/$name.log
  (cd "$src" && env "${case_env[@]}" "$cmake" -S "$src" -B "$tmp/build-$name" "${gen[@]}" "$@") >"$out" 2>&1
  local rc=$?
  local ok=1
  if [[ $expect == fail ]]; then [[ $rc -ne 0 ]] || ok=0; else [[ $rc -eq 0 ]] || ok=0; fi
  # CMake wraps long messages: match on the output with the line breaks and indentation folded.
  tr '\n' ' ' <"$out" | tr -s ' ' | grep -q -- "$pattern" || ok=0
  if [[ $ok == 1 ]]; then
    echo "ok   $name"
  else
    echo "FAIL $name (exit $rc, expected $expect and /$pattern/):"
    sed 's/^/     /' "$out" | tail -25
    failures=$((failures + 1))
  fi
  rm -rf "$tmp/build-$name"
  case_env=()
}
case_env=()

fake_torch "$tmp/abi0" "-D_GLIBCXX_USE_CXX11_ABI=0" cpu
case_ pre_cxx11_abi fail "uses the pre-cxx11 C++ ABI (TORCH_CXX_FLAGS: -D_GLIBCXX_USE_CXX11_ABI=0)" \
  -DCMAKE_PREFIX_PATH="$tmp/abi0"

fake_torch "$tmp/cuda" "" cuda
case_ cuda_nvcc_given_missing fail "is a CUDA LibTorch, and Torch's CMake needs the CUDA toolkit's nvcc" \
  -DCMAKE_PREFIX_PATH="$tmp/cuda" -DCMAKE_CUDA_COMPILER=/nonexistent/bin/nvcc
if command -v nvcc >/dev/null; then
  echo "skip cuda_no_nvcc_on_path (nvcc on PATH: $(command -v nvcc))"
else
  case_env=(-u CUDACXX -u CUDA_PATH -u CUDA_HOME -u CUDAToolkit_ROOT)
  case_ cuda_no_nvcc_on_path fail "hpe3d: $tmp/cuda/share/cmake/Torch is a CUDA LibTorch.*-DHPE3D_CUDA_NO_TOOLKIT=ON" \
    -DCMAKE_PREFIX_PATH="$tmp/cuda"
fi

# A pip wheel's layout: site-packages/torch/share/cmake (torch.utils.cmake_prefix_path), site-packages/nvidia/*.
site=$tmp/site-packages
fake_torch "$site/torch" "" cuda
mkdir -p "$site/nvidia/cuda_runtime/include" "$site/nvidia/cuda_runtime/lib" "$site/nvidia/nccl/include" "$site/nvidia/nccl/lib"
touch "$site/nvidia/cuda_runtime/include/cuda_runtime_api.h" "$site/nvidia/cuda_runtime/lib/libcudart.so.12" \
  "$site/nvidia/nccl/include/nccl.h" "$site/nvidia/nccl/lib/libnccl.so.2"
case_ cuda_no_toolkit_wheel_layout fail \
  "fake CUDA Torch loaded: torch::cudart include $site/nvidia/cuda_runtime/include;.*$site/nvidia/nccl/include.* link $site/nvidia/cuda_runtime/lib/libcudart.so.12;$site/nvidia/nccl/lib/libnccl.so.2" \
  -DCMAKE_PREFIX_PATH="$site/torch/share/cmake" -DHPE3D_CUDA_NO_TOOLKIT=ON -DCMAKE_CUDA_COMPILER=/nonexistent/bin/nvcc
mkdir -p "$tmp/empty"
case_ cuda_no_toolkit_no_runtime fail "HPE3D_CUDA_NO_TOOLKIT is ON but no CUDA runtime" \
  -DCMAKE_PREFIX_PATH="$tmp/cuda" -DHPE3D_CUDA_NO_TOOLKIT=ON -DHPE3D_CUDA_ROOTS="$tmp/empty" \
  -DCMAKE_LIBRARY_PATH="$tmp/empty" -DCMAKE_IGNORE_PREFIX_PATH="/usr;/usr/local" -DCMAKE_SYSTEM_IGNORE_PATH="/usr/include;/usr/lib;/usr/lib/x86_64-linux-gnu;/usr/local/include;/usr/local/lib"

case_ require_cuda_cpu_torch fail "HPE3D_REQUIRE_CUDA is ON (cuda-release preset) but the LibTorch found, .* is a CPU build" \
  -DCMAKE_PREFIX_PATH="$tmp/abi0" -DHPE3D_REQUIRE_CUDA=ON

case_env=(LIBTORCH_CUDA=)
case_ cuda_preset_without_libtorch_cuda fail "the cuda-release preset needs LIBTORCH_CUDA set to a CUDA LibTorch" \
  --preset cuda-release

if [[ ${HPE3D_TORCH_CHECKS_REAL:-1} != 0 ]]; then
  case_ installed_libtorch pass "Generating done" -DHPE3D_BUILD_BENCHMARKS=OFF
fi

echo "$((n - failures))/$n cases passed"
[[ $failures == 0 ]]
