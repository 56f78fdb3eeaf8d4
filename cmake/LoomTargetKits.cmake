# Target kits: what a model library for one target links (the runtime, the kernel wrappers, the Halide
# pipelines and their runtime), built once per target so that `loom compile --target T` only compiles the
# spec and links. The host's kit is the host build itself (lib/loom/model-link.txt). Every other kit is a
# second build of this source tree in kit mode (LOOM_TARGET_KIT_ONLY, cmake/LoomTargetKit.cmake) whose
# Halide generators are the host's (Halide's cross-compiling workflow: the host build exports them to
# cmake/loom-halide_generators-config.cmake):
#   aarch64-linux-gnu  cross-compiled with cmake/toolchains/aarch64-linux-gnu.cmake;
#   cuda               the host's compilers, the kernels for Halide's x86-64 + cuda target;
#   opencl             the same with Halide's opencl target: the GPU schedules as OpenCL C, which PoCL runs
#                      on this CPU, so that they are tested where there is no GPU.
# A kit writes its link line to lib/loom/targets/<kit>/model-link.txt beside the host's, where `loom
# compile` looks (codegen/lib/Target.cpp), and builds the test driver (test/targets) that ctest runs.

include(ExternalProject)

set(LOOM_TARGET_KITS "aarch64-linux-gnu;cuda;opencl" CACHE STRING "Target kits to build besides the host's")

set(loom_available_kits "")
foreach(kit IN LISTS LOOM_TARGET_KITS)
  set(kit_args "")
  # A build that imports its generators (tools/test.sh's sanitizer build) has no generator target.
  set(kit_depends "")
  if(TARGET loom-kernel-generators)
    list(APPEND kit_depends loom-kernel-generators)
  endif()
  if(kit STREQUAL "cuda" OR kit STREQUAL "opencl")
    # Nothing to find: Halide emits PTX or OpenCL C itself, and the driver is loaded at run time. The host
    # side is the host's own runtime and kernel wrappers (runtime/CMakeLists.txt).
    list(APPEND kit_args -DCMAKE_C_COMPILER=${CMAKE_C_COMPILER} -DCMAKE_CXX_COMPILER=${CMAKE_CXX_COMPILER}
         -DLOOM_KIT_DEVICE=${kit}
         -DLOOM_KIT_HOST_RUNTIME=$<TARGET_FILE:loom_runtime>
         -DLOOM_KIT_HOST_KERNELS=$<TARGET_FILE:loom_kernels>)
    list(APPEND kit_depends loom_runtime loom_kernels)
  else()
    set(toolchain ${PROJECT_SOURCE_DIR}/cmake/toolchains/${kit}.cmake)
    if(NOT EXISTS ${toolchain})
      message(FATAL_ERROR "LOOM_TARGET_KITS names '${kit}', which has no ${toolchain}")
    endif()
    # The target's C and C++ libraries and binutils come with its cross g++; a machine without it builds no
    # kit for that target, and the tests that need it are not run (lit's feature `kit-<target>`).
    find_program(loom_kit_cxx_${kit} NAMES ${kit}-g++)
    if(NOT loom_kit_cxx_${kit})
      message(WARNING "No ${kit}-g++ on PATH: no ${kit} kit (tools/install-deps.sh installs it)")
      continue()
    endif()
    list(APPEND kit_args -DCMAKE_TOOLCHAIN_FILE=${toolchain})
  endif()
  ExternalProject_Add(loom-kit-${kit}
    SOURCE_DIR ${PROJECT_SOURCE_DIR}
    BINARY_DIR ${CMAKE_BINARY_DIR}/targets/${kit}
    CMAKE_ARGS
      ${kit_args}
      -DCMAKE_BUILD_TYPE=${CMAKE_BUILD_TYPE}
      -DLOOM_TARGET_KIT_ONLY=ON
      -DLOOM_KIT_LINK_FILE=${CMAKE_BINARY_DIR}/lib/loom/targets/${kit}/model-link.txt
      -Dloom-halide_generators_DIR=${CMAKE_BINARY_DIR}/cmake
      -DHalideHelpers_DIR=${HalideHelpers_DIR}
    INSTALL_COMMAND ""
    # The kit's own build is incremental: running it always costs a no-op ninja when nothing changed.
    BUILD_ALWAYS ON
    DEPENDS ${kit_depends})
  list(APPEND loom_available_kits ${kit})
endforeach()
set(LOOM_AVAILABLE_KITS ${loom_available_kits} CACHE INTERNAL "Target kits this build makes")
