# Configure-time checks around find_package(Torch), so that a LibTorch hpe3d
# cannot build against fails at once with one line saying what to do, instead
# of in Torch's own CMake or at link time (docs/gpu.md):
#
#   hpe3d_torch_precheck()   before find_package(Torch)
#     - a CUDA LibTorch (its Caffe2Config.cmake sets CAFFE2_USE_CUDA ON) makes
#       Torch's CMake find the CUDA toolkit and enable the CUDA language, which
#       needs nvcc; a pip torch wheel brings none. Without an nvcc: FATAL_ERROR,
#       unless HPE3D_CUDA_NO_TOOLKIT is ON: then the CUDA runtime's headers and
#       libraries are taken from HPE3D_CUDA_ROOTS (default: the wheel's
#       site-packages/nvidia/*), and Torch's CUDA search is skipped (hpe3d has
#       no CUDA sources; nvcc is never needed to compile it).
#     - HPE3D_REQUIRE_CUDA (the cuda-release preset): the LibTorch found must be
#       a CUDA one, and LIBTORCH_CUDA, when the preset passed it, must be set.
#   hpe3d_torch_postcheck()  after find_package(Torch)
#     - a pre-cxx11-ABI LibTorch (-D_GLIBCXX_USE_CXX11_ABI=0 in TORCH_CXX_FLAGS:
#       the old libtorch zips, pip wheels before 2.7) cannot link with Debian's
#       C++ libraries (yaml-cpp, spdlog, OpenCV): FATAL_ERROR.
#     - HPE3D_REQUIRE_CUDA again, on the targets Torch defined (torch_cuda).
#     - reports whether our targets get USE_C10D_NCCL (ProcessGroupNCCL in
#       src/core/process_group.cpp): Torch's torch_cuda target carries it as an
#       interface definition when LibTorch was built with NCCL.
# Tested by tests/cmake/torch_checks_test.sh (fake Torch prefixes).

option(HPE3D_REQUIRE_CUDA "Fail unless the LibTorch found is a CUDA build (the cuda-release preset)" OFF)
option(HPE3D_CUDA_NO_TOOLKIT
  "CUDA LibTorch without a CUDA toolkit (pip wheel): take the CUDA runtime from HPE3D_CUDA_ROOTS, skip Torch's nvcc search" OFF)
set(HPE3D_CUDA_ROOTS "" CACHE STRING
  "HPE3D_CUDA_NO_TOOLKIT: folders holding include/ and lib/ of the CUDA runtime, NCCL, cuBLAS... (default: site-packages/nvidia/* next to a pip torch)")
# HPE3D_LIBTORCH_CUDA_FROM_PRESET: set by the cuda-release preset to $env{LIBTORCH_CUDA} (empty: unset).

# The folder of the TorchConfig.cmake that find_package(Torch) will load, searched
# as find_package does for the common layouts (Torch_DIR, Torch_ROOT, CMAKE_PREFIX_PATH,
# the system prefixes). Empty when none is found (find_package then reports it).
function(_hpe3d_torch_config_dir out)
  set(prefixes ${Torch_DIR} ${Torch_ROOT} $ENV{Torch_ROOT} ${CMAKE_PREFIX_PATH})
  if(DEFINED ENV{CMAKE_PREFIX_PATH})
    string(REPLACE ":" ";" env_prefixes "$ENV{CMAKE_PREFIX_PATH}")
    list(APPEND prefixes ${env_prefixes})
  endif()
  list(APPEND prefixes ${CMAKE_SYSTEM_PREFIX_PATH})
  foreach(p IN LISTS prefixes)
    foreach(suffix "" Torch share/cmake/Torch lib/cmake/Torch lib/${CMAKE_LIBRARY_ARCHITECTURE}/cmake/Torch
                   lib64/cmake/Torch share/torch/cmake/Torch)
      if(EXISTS "${p}/${suffix}/TorchConfig.cmake")
        get_filename_component(dir "${p}/${suffix}" ABSOLUTE)
        set(${out} "${dir}" PARENT_SCOPE)
        return()
      endif()
    endforeach()
  endforeach()
  set(${out} "" PARENT_SCOPE)
endfunction()

# find_program/find_path/find_library into a plain variable (the cache stays clean;
# NO_CACHE needs CMake 3.21).
macro(_hpe3d_find kind var)
  cmake_language(CALL find_${kind} _hpe3d_found ${ARGN})
  if(_hpe3d_found)
    set(${var} "${_hpe3d_found}")
  else()
    set(${var} "")
  endif()
  unset(_hpe3d_found CACHE)
endmacro()

# Is there an nvcc that Torch's CMake (FindCUDA in 2.6, FindCUDAToolkit later, then
# enable_language(CUDA)) will find? Searched where those look.
function(_hpe3d_find_nvcc out)
  if(CMAKE_CUDA_COMPILER)
    if(EXISTS "${CMAKE_CUDA_COMPILER}")
      set(${out} "${CMAKE_CUDA_COMPILER}" PARENT_SCOPE)
    else()
      set(${out} "" PARENT_SCOPE)
    endif()
    return()
  endif()
  if(DEFINED ENV{CUDACXX} AND EXISTS "$ENV{CUDACXX}")
    set(${out} "$ENV{CUDACXX}" PARENT_SCOPE)
    return()
  endif()
  set(roots ${CUDAToolkit_ROOT} $ENV{CUDAToolkit_ROOT} ${CUDA_TOOLKIT_ROOT_DIR}
            $ENV{CUDA_PATH} $ENV{CUDA_HOME} $ENV{CUDA_BIN_PATH})
  set(hints)
  foreach(r IN LISTS roots)
    list(APPEND hints "${r}/bin" "${r}")
  endforeach()
  _hpe3d_find(program nvcc nvcc HINTS ${hints} PATHS /usr/local/cuda/bin)
  set(${out} "${nvcc}" PARENT_SCOPE)
endfunction()

# HPE3D_CUDA_NO_TOOLKIT: the targets Torch's public/cuda.cmake would define, made from
# the CUDA runtime found in HPE3D_CUDA_ROOTS. cuda.cmake returns at once when
# torch::cudart exists ("Poor man's include guard", PyTorch 2.x), so Torch's CMake
# then neither looks for nvcc nor enables the CUDA language.
function(_hpe3d_cuda_runtime_targets torch_dir)
  set(roots ${HPE3D_CUDA_ROOTS})
  if(NOT roots)
    # A pip wheel: <site-packages>/torch/share/cmake/Torch, the runtime in <site-packages>/nvidia/*/.
    get_filename_component(site "${torch_dir}/../../../.." ABSOLUTE)
    file(GLOB roots LIST_DIRECTORIES true "${site}/nvidia/*")
  endif()
  set(includes)
  set(libdirs)
  foreach(r IN LISTS roots)
    if(IS_DIRECTORY "${r}/include")
      list(APPEND includes "${r}/include")
    endif()
    foreach(l lib lib64 lib/${CMAKE_LIBRARY_ARCHITECTURE})
      if(IS_DIRECTORY "${r}/${l}")
        list(APPEND libdirs "${r}/${l}")
      endif()
    endforeach()
  endforeach()
  _hpe3d_find(path _hpe3d_cudart_h cuda_runtime_api.h PATHS ${includes} NO_DEFAULT_PATH)
  if(NOT _hpe3d_cudart_h)
    _hpe3d_find(path _hpe3d_cudart_h cuda_runtime_api.h)
  endif()
  # The wheels hold only the versioned names (libcudart.so.12).
  set(cudart_names cudart libcudart.so.13 libcudart.so.12 libcudart.so.11.0)
  _hpe3d_find(library _hpe3d_cudart NAMES ${cudart_names} PATHS ${libdirs} NO_DEFAULT_PATH)
  if(NOT _hpe3d_cudart)
    _hpe3d_find(library _hpe3d_cudart NAMES ${cudart_names})
  endif()
  if(NOT _hpe3d_cudart_h OR NOT _hpe3d_cudart)
    message(FATAL_ERROR "hpe3d: HPE3D_CUDA_NO_TOOLKIT is ON but no CUDA runtime "
      "(cuda_runtime_api.h: ${_hpe3d_cudart_h}; libcudart: ${_hpe3d_cudart}) was found in HPE3D_CUDA_ROOTS "
      "[${roots}]: set HPE3D_CUDA_ROOTS to folders holding include/ and lib/ of the CUDA runtime (a pip wheel's site-packages/nvidia/*)")
  endif()
  set(nccl_names nccl libnccl.so.2)
  _hpe3d_find(library _hpe3d_nccl NAMES ${nccl_names} PATHS ${libdirs} NO_DEFAULT_PATH)
  if(NOT _hpe3d_nccl)
    _hpe3d_find(library _hpe3d_nccl NAMES ${nccl_names})
  endif()
  list(REMOVE_DUPLICATES includes)
  add_library(torch::cudart INTERFACE IMPORTED GLOBAL)
  set_target_properties(torch::cudart PROPERTIES
    INTERFACE_INCLUDE_DIRECTORIES "${_hpe3d_cudart_h};${includes}"
    INTERFACE_LINK_LIBRARIES "${_hpe3d_cudart}")
  if(_hpe3d_nccl)
    set_property(TARGET torch::cudart APPEND PROPERTY INTERFACE_LINK_LIBRARIES "${_hpe3d_nccl}")
  endif()
  # Header-only or unused by hpe3d's own code: Torch's export files name them.
  foreach(t torch::nvtoolsext torch::nvtx3 caffe2::cuda caffe2::cublas caffe2::curand caffe2::cufft
            caffe2::nvrtc torch::cudnn torch::cufile)
    if(NOT TARGET ${t})
      add_library(${t} INTERFACE IMPORTED GLOBAL)
    endif()
  endforeach()
  message(STATUS "hpe3d: CUDA LibTorch without a toolkit: CUDA runtime ${_hpe3d_cudart} (headers ${_hpe3d_cudart_h}), "
    "NCCL ${_hpe3d_nccl}; Torch's nvcc search skipped")
endfunction()

function(hpe3d_torch_precheck)
  if(HPE3D_REQUIRE_CUDA AND DEFINED HPE3D_LIBTORCH_CUDA_FROM_PRESET AND HPE3D_LIBTORCH_CUDA_FROM_PRESET STREQUAL ""
     AND NOT Torch_DIR)
    message(FATAL_ERROR "hpe3d: the cuda-release preset needs LIBTORCH_CUDA set to a CUDA LibTorch "
      "(the folder holding share/cmake/Torch, e.g. LIBTORCH_CUDA=/opt/libtorch cmake --preset cuda-release; a pip torch: "
      "LIBTORCH_CUDA=$(python3 -c 'import torch; print(torch.utils.cmake_prefix_path)'))")
  endif()
  _hpe3d_torch_config_dir(torch_dir)
  set(HPE3D_TORCH_CONFIG_DIR "${torch_dir}" PARENT_SCOPE)
  set(cuda OFF)
  if(torch_dir AND EXISTS "${torch_dir}/../Caffe2/Caffe2Config.cmake")
    file(STRINGS "${torch_dir}/../Caffe2/Caffe2Config.cmake" lines REGEX "set\\(CAFFE2_USE_CUDA ON\\)")
    if(lines)
      set(cuda ON)
    endif()
  endif()
  set(HPE3D_TORCH_IS_CUDA ${cuda} PARENT_SCOPE)
  if(HPE3D_REQUIRE_CUDA AND torch_dir AND NOT cuda)
    message(FATAL_ERROR "hpe3d: HPE3D_REQUIRE_CUDA is ON (cuda-release preset) but the LibTorch found, ${torch_dir}, "
      "is a CPU build: point CMAKE_PREFIX_PATH (the preset: LIBTORCH_CUDA) or Torch_DIR at a CUDA LibTorch")
  endif()
  if(NOT cuda)
    return()
  endif()
  if(HPE3D_CUDA_NO_TOOLKIT)
    _hpe3d_cuda_runtime_targets("${torch_dir}")
    return()
  endif()
  _hpe3d_find_nvcc(nvcc)
  if(NOT nvcc)
    message(FATAL_ERROR "hpe3d: ${torch_dir} is a CUDA LibTorch, and Torch's CMake needs the CUDA toolkit's nvcc to "
      "configure against it, but none was found (a pip torch wheel brings none): install the CUDA toolkit (Debian: "
      "nvidia-cuda-toolkit) and set CUDAToolkit_ROOT or CMAKE_CUDA_COMPILER if it is not on PATH, or configure with "
      "-DHPE3D_CUDA_NO_TOOLKIT=ON to use the CUDA runtime next to the LibTorch (docs/gpu.md)")
  endif()
  message(STATUS "hpe3d: CUDA LibTorch ${torch_dir}, nvcc ${nvcc}")
endfunction()

function(hpe3d_torch_postcheck)
  if(TORCH_CXX_FLAGS MATCHES "_GLIBCXX_USE_CXX11_ABI=0")
    message(FATAL_ERROR "hpe3d: the LibTorch found (${Torch_DIR}) uses the pre-cxx11 C++ ABI "
      "(TORCH_CXX_FLAGS: ${TORCH_CXX_FLAGS}), so nothing it builds links with Debian's C++ libraries (yaml-cpp, spdlog, "
      "OpenCV): use a cxx11-ABI LibTorch (the libtorch zip named cxx11-abi, or a pip torch >= 2.7)")
  endif()
  if(HPE3D_REQUIRE_CUDA AND NOT TARGET torch_cuda)
    message(FATAL_ERROR "hpe3d: HPE3D_REQUIRE_CUDA is ON (cuda-release preset) but the LibTorch found (${Torch_DIR}) "
      "defines no torch_cuda target (a CPU build): point CMAKE_PREFIX_PATH (the preset: LIBTORCH_CUDA) or Torch_DIR at a CUDA LibTorch")
  endif()
  if(TARGET torch_cuda)
    get_target_property(defs torch_cuda INTERFACE_COMPILE_DEFINITIONS)
    if(defs MATCHES "USE_C10D_NCCL")
      message(STATUS "hpe3d: CUDA LibTorch with NCCL: USE_C10D_NCCL comes from torch_cuda (c10d's ProcessGroupNCCL is built)")
    else()
      message(WARNING "hpe3d: this CUDA LibTorch's torch_cuda target does not define USE_C10D_NCCL (built without NCCL): "
        "data-parallel training on CUDA uses Gloo")
    endif()
  endif()
endfunction()
