#!/usr/bin/env bash
# The checks that need a GPU, in two steps (docs/gpu.md):
#
#   scripts/gpu_check.sh prepare     HERE (Debian 12, with apt): downloads into .gpu-deps/ (ignored by
#                                    git) the Debian .debs of hpe3d's C++ dependencies, the demo's
#                                    CMU clips, and stub libraries for GDAL/GDCM (see below); prints its size
#   scripts/gpu_check.sh run [STEPS] THERE (a GPU machine with a pip torch; g++ and python3 with torch
#                                    assumed; cmake and ninja used if present, else from .gpu-deps):
#                                    unpacks the .debs into a prefix, builds hpe3d against the wheel's
#                                    LibTorch (no nvcc needed: HPE3D_CUDA_NO_TOOLKIT), then
#                                    STEPS (default "configure build tests train eval bench"):
#     configure  cmake against the wheel's LibTorch (cmake/TorchChecks.cmake's cuda-pip path)
#     build   the tools and the test binary; the demo's pose file
#     tests   ctest with HPE3D_TEST_DEVICE=cuda
#     train   one epoch of configs/demo/cmu_lift_vae.yaml with --device cuda
#     eval    the GPU-trained checkpoint evaluated with --device cpu (GPU -> CPU round trip)
#     bench   bench/gpu_speed.sh: hpe3d against PyTorch, batch 64/256/1024, fp32 and bf16
#   Every number and log goes to $OUT (default ./gpu-out): summary.txt (one line per step with its
#   status and seconds), env.txt, and a log per step.
# env (run): OUT, JOBS (default: cores), HPE3D_PYTHON (python3), GPU_CHECK_BENCH_STEPS (300),
#            GPU_CHECK_TOOLKIT=1 (configure with the machine's nvcc instead of the wheel's runtime)
#            tests of this script on a machine without a GPU: GPU_CHECK_TORCH_PREFIX (a LibTorch's
#            CMake prefix instead of the wheel's), GPU_CHECK_KEEP_ALL=1 (keep the libraries the machine
#            has), GPU_CHECK_CMAKE_ARGS (more configure arguments)
#
# Why stubs: Debian 12's libopencv-imgcodecs406 is linked with GDAL and GDCM (DICOM, GeoTIFF
# readers), whose dependency tree is ~40 MiB of .debs more. hpe3d never reads such files, but the
# loader needs every NEEDED library and, the library being linked with BIND_NOW, every function it
# imports: prepare builds libgdal.so.32, libgdcmMSFF.so.3.0 and libgdcmDSED.so.3.0 that define
# exactly the functions libopencv_imgcodecs imports from them, each an immediate return.
set -euo pipefail
cd "$(dirname "$0")/.."
src=$(pwd)
deps=$src/.gpu-deps

# Debian 12 packages: the -dev packages hpe3d's CMake finds, and the runtime closure of their
# libraries (ldd of libyaml-cpp, libspdlog, libfmt, libhdf5_serial, libopencv_{core,imgproc,imgcodecs}
# without GDAL/GDCM, libbenchmark), less libc6, libstdc++6 and libgcc-s1, which every machine with g++ has.
dev_packages=(libyaml-cpp-dev libspdlog-dev libfmt-dev libhdf5-dev libopencv-dev libopencv-core-dev
  libopencv-imgproc-dev libopencv-imgcodecs-dev libgtest-dev libgmock-dev googletest libbenchmark-dev
  libcli11-dev nlohmann-json3-dev zlib1g-dev libgloo-dev libeigen3-dev ninja-build)
runtime_packages=(libaec0 libbenchmark1debian libbrotli1 libbsd0 libcurl4 libdeflate0 libffi8 libfmt9
  libgfortran5 libgmp10 libgnutls30 libgssapi-krb5-2 libhdf5-103-1 libhdf5-cpp-103-1 libhdf5-hl-100
  libhogweed6 libidn2-0 libimath-3-1-29 libjbig0 libjpeg62-turbo libk5crypto3 libkrb5-3 libkrb5support0
  libldap-2.5-0 liblerc4 libmd0 libnettle8 libnghttp2-14 libopenblas0-pthread libopencv-core406
  libopencv-imgproc406 libopencv-imgcodecs406 libopenexr-3-1-30 libopenjp2-7 libp11-kit0 libpng16-16
  libpsl5 libquadmath0 librtmp1 libsasl2-2 libspdlog1.10 libssh2-1 libssl3 libsz2 libtasn1-6 libtbb12
  libtiff6 libunistring2 libwebp7 libyaml-cpp0.7 libzstd1 zlib1g libgloo0)
stubbed=(libgdal.so.32 libgdcmMSFF.so.3.0 libgdcmDSED.so.3.0)

prepare() {
  command -v apt-get >/dev/null || { echo "gpu_check prepare: needs apt-get (Debian 12)" >&2; exit 2; }
  rm -rf "$deps"
  mkdir -p "$deps/debs" "$deps/stubs" "$deps/bvh"
  (cd "$deps/debs" && apt-get -o APT::Sandbox::User=root download -qq "${dev_packages[@]}" "${runtime_packages[@]}")
  # The demo's CMU clips (assimp-testmodels: 20 MiB .deb, of which hpe3d reads 3 files).
  tmp=$(mktemp -d)
  (cd "$tmp" && apt-get -o APT::Sandbox::User=root download -qq assimp-testmodels && dpkg -x assimp-testmodels_*.deb x)
  cp "$tmp"/x/usr/share/assimp/models/BVH/*.bvh "$deps/bvh/"
  xz -T1 -6 "$deps"/bvh/*.bvh
  # Stubs: the functions libopencv_imgcodecs imports from each stubbed library (its .deb is only
  # unpacked here, to read the defined symbols).
  (cd "$tmp" && apt-get -o APT::Sandbox::User=root download -qq libopencv-imgcodecs406 libgdal32 libgdcm3.0 &&
     for d in libopencv-imgcodecs406_*.deb libgdal32_*.deb libgdcm3.0_*.deb; do dpkg -x "$d" y; done)
  local lib=$tmp/y/usr/lib/x86_64-linux-gnu
  local imgcodecs
  imgcodecs=$(ls "$lib"/libopencv_imgcodecs.so.4.*)
  nm -D --undefined-only "$imgcodecs" | awk '{print $2}' | sed 's/@.*//' | sort -u >"$tmp/imports"
  for soname in "${stubbed[@]}"; do
    nm -D --defined-only "$lib/$soname" | awk '$2 ~ /[TtWi]/ {print $3}' | sed 's/@.*//' | sort -u >"$tmp/defined"
    comm -12 "$tmp/imports" "$tmp/defined" >"$tmp/syms"
    [[ -s $tmp/syms ]] || { echo "gpu_check prepare: no symbol of $soname imported by $imgcodecs" >&2; exit 1; }
    { echo "/* stub of $soname: the functions libopencv_imgcodecs imports, each returning at once */"
      while read -r s; do printf '__asm__(".globl %s\\n.type %s,@function\\n%s: xor %%eax,%%eax\\nret");\n' "$s" "$s" "$s"; done <"$tmp/syms"
    } >"$tmp/stub.c"
    gcc -shared -fPIC -nostdlib -o "$deps/stubs/$soname" -Wl,-soname,"$soname" "$tmp/stub.c"
    echo "[gpu-check] stub $soname: $(wc -l <"$tmp/syms") functions"
  done
  # The stubs must satisfy the loader: imgcodecs loads with them in place of the real libraries.
  LD_LIBRARY_PATH=$deps/stubs:$lib python3 -c "import ctypes; ctypes.CDLL('$imgcodecs')" ||
    { echo "gpu_check prepare: libopencv_imgcodecs does not load with the stubs" >&2; exit 1; }
  rm -rf "$tmp"
  echo "[gpu-check] .gpu-deps: $(ls "$deps/debs" | wc -l) .debs, $(du -sh "$deps" | cut -f1) ($(du -sb "$deps" | cut -f1) bytes)"
}

# dpkg -x, or ar + tar where the machine has no dpkg.
unpack() {  # deb dir
  if command -v dpkg-deb >/dev/null; then dpkg-deb -x "$1" "$2"; return; fi
  local t
  t=$(mktemp -d)
  (cd "$t" && ar x "$1" && tar -xf data.tar.* -C "$2")
  rm -rf "$t"
}

run_checks() {
  local steps=${*:-configure build tests train eval bench}
  out=${OUT:-$src/gpu-out}
  mkdir -p "$out"
  py=${HPE3D_PYTHON:-python3}
  jobs=${JOBS:-$(nproc)}
  summary=$out/summary.txt
  : >"$summary"
  step() {  # name command...: runs it with its log in $out/NAME.log, one summary line
    local name=$1 t0 rc
    shift
    t0=$(date +%s.%N)
    set +e
    ("$@") >"$out/$name.log" 2>&1
    rc=$?
    set -e
    printf '%-8s %s %6.1f s\n' "$name" "$([[ $rc == 0 ]] && echo pass || echo "FAIL($rc)")" \
      "$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN {print b - a}')" | tee -a "$summary"
    return $rc
  }
  { set +e +o pipefail; echo "date: $(date -u +%FT%TZ)"; uname -a; (ldd --version | head -1) 2>&1
    (g++ --version | head -1) 2>&1; (cmake --version | head -1) 2>&1; (ninja --version) 2>&1
    (nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader) 2>&1
    "$py" -c 'import torch, sys; print("python", sys.version.split()[0], "torch", torch.__version__, "cuda", torch.version.cuda,
"available", torch.cuda.is_available(), "cxx11abi", torch.compiled_with_cxx11_abi(), "prefix", torch.utils.cmake_prefix_path)' 2>&1
    set -e -o pipefail
  } >"$out/env.txt"
  cat "$out/env.txt"

  # The prefix: every .deb unpacked, then a library the machine already has (same SONAME in
  # ldconfig's cache) removed from it, so that LD_LIBRARY_PATH adds only what is missing.
  prefix=/tmp/hpe3d-gpu-deps
  rm -rf "$prefix"; mkdir -p "$prefix"
  for d in "$deps"/debs/*.deb; do unpack "$d" "$prefix"; done
  lib=$prefix/usr/lib/x86_64-linux-gnu
  cp "$deps"/stubs/*.so* "$lib/"
  have=$(ldconfig -p 2>/dev/null | awk '{print $1}' | sort -u)
  removed=0
  for f in "$lib"/*.so.* "$lib"/hdf5/serial/*.so.*; do
    [[ -f $f && ! -L $f ]] || continue
    so=$(objdump -p "$f" 2>/dev/null | awk '/SONAME/ {print $2}')
    [[ ${GPU_CHECK_KEEP_ALL:-0} != 1 && -n $so ]] && grep -qx "$so" <<<"$have" || continue
    sys=$(ldconfig -p | awk -v s="$so" '$1 == s {print $NF; exit}')
    for l in "$(dirname "$f")"/*.so*; do [[ -L $l && $(readlink -f "$l") == "$f" ]] && ln -sf "$sys" "$l"; done
    rm -f "$f"; removed=$((removed + 1))
  done
  echo "[gpu-check] prefix $prefix: $(du -sh "$prefix" | cut -f1), $removed libraries the machine has left out" | tee -a "$summary"
  # OpenCV's exported targets check that every module's library exists: placeholders for the
  # modules hpe3d does not link (never linked, never loaded).
  for f in $(grep -ho '${_IMPORT_PREFIX}/lib/x86_64-linux-gnu/libopencv_[a-z_0-9]*\.so\.[0-9.]*' \
               "$lib"/cmake/opencv4/OpenCVModules-*.cmake | sed "s|\${_IMPORT_PREFIX}|$prefix/usr|" | sort -u); do
    [[ -e $f ]] || touch "$f"
  done
  # Debian's h5cc is a compiler wrapper that names /usr: FindHDF5 gets the prefix's paths instead.
  hdf5=(-DHDF5_C_COMPILER_EXECUTABLE=/nonexistent -DHDF5_C_INCLUDE_DIR="$prefix/usr/include/hdf5/serial"
        -DHDF5_C_LIBRARY_hdf5="$lib/hdf5/serial/libhdf5.so")
  export LD_LIBRARY_PATH=$lib:$lib/hdf5/serial${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
  export PATH=$PATH:$prefix/usr/bin
  command -v cmake >/dev/null || { echo "gpu_check: no cmake on this machine (carry one)" | tee -a "$summary"; exit 1; }
  torch_prefix=${GPU_CHECK_TORCH_PREFIX:-$("$py" -c 'import torch; print(torch.utils.cmake_prefix_path)')}
  toolkit=(-DHPE3D_CUDA_NO_TOOLKIT=ON)
  [[ ${GPU_CHECK_TOOLKIT:-0} == 1 ]] && toolkit=(-DHPE3D_CUDA_NO_TOOLKIT=OFF)
  build=$src/build-gpu
  export HPE3D_PYTHON=$py

  for s in $steps; do case $s in
    configure)
      # shellcheck disable=SC2086
      step configure cmake -S "$src" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release \
        -DCMAKE_PREFIX_PATH="$torch_prefix;$prefix/usr" -DHPE3D_REQUIRE_CUDA=ON "${toolkit[@]}" "${hdf5[@]}" \
        -DHPE3D_BUILD_BENCHMARKS=OFF ${GPU_CHECK_CMAKE_ARGS:-} || { tail -30 "$out/configure.log"; exit 1; }
      grep -E '^-- (hpe3d|Found)' "$out/configure.log" >>"$summary" || true
      ;;
    build)
      step build cmake --build "$build" -j "$jobs" --target h36m-prepare h36m-train h36m-eval h36m-export-latent hpe3d_tests \
        || exit 1
      # The demo's data set, from the carried clips at the path h36m-prepare bvh --cmu-default reads.
      mkdir -p /usr/share/assimp/models/BVH data
      for f in "$deps"/bvh/*.bvh.xz; do xz -dc "$f" >/usr/share/assimp/models/BVH/"$(basename "${f%.xz}")"; done
      step prepare "$build/tools/h36m-prepare" bvh --cmu-default --out data/cmu_mocap.h5 || exit 1
      ;;
    tests)
      step tests env HPE3D_TEST_DEVICE=cuda ctest --test-dir "$build" -j "$jobs" --output-on-failure --timeout 300 \
        --output-junit "$out/ctest.xml" || true
      tail -3 "$out/tests.log" | tee -a "$summary"
      ;;
    train)
      rm -rf runs/gpu-demo
      step train "$build/tools/h36m-train" --config configs/demo/cmu_lift_vae.yaml --set train.epochs=1 \
        --device cuda --output runs/gpu-demo || true
      cp runs/gpu-demo/metrics.jsonl "$out/train_metrics.jsonl" 2>/dev/null || true
      ;;
    eval)
      ckpt=runs/gpu-demo/checkpoints/best.pt
      [[ -f $ckpt ]] || ckpt=runs/gpu-demo/checkpoints/last.pt
      step eval_cpu "$build/tools/h36m-eval" --checkpoint "$ckpt" --device cpu --format json --out "$out/eval_cpu.json" || true
      step eval_cuda "$build/tools/h36m-eval" --checkpoint "$ckpt" --device cuda --format json --out "$out/eval_cuda.json" || true
      ;;
    bench)
      step bench env BUILD_DIR="$build" bash bench/gpu_speed.sh "${GPU_CHECK_BENCH_STEPS:-300}" "$out/bench" || true
      cat "$out/bench/table.md" >>"$summary" 2>/dev/null || true
      ;;
    *) echo "gpu_check: unknown step $s" >&2; exit 2 ;;
  esac; done
  echo "[gpu-check] results in $out"
}

case ${1:-} in
  prepare) prepare ;;
  run) shift; run_checks "$@" ;;
  *) echo "usage: scripts/gpu_check.sh prepare | run [build tests train eval bench]" >&2; exit 2 ;;
esac
