# Kit mode (LOOM_TARGET_KIT_ONLY): the runtime, kernel wrappers and Halide pipelines a model library links,
# for the target of CMAKE_TOOLCHAIN_FILE, and the test driver that runs model libraries there. No LLVM,
# MLIR or tokenizer: a kit is linked into model libraries and nothing else. LoomTargetKits.cmake passes
# LOOM_KIT_LINK_FILE, where the link line goes; the kit's own C++ compiler links model libraries.
find_package(Threads REQUIRED)
set(LOOM_HALIDE_VERSION 14 CACHE STRING "Halide major version to build the kernels with")
# Halide's CMake helpers and runtime headers; the generators themselves are the host build's, imported
# by add_halide_generator from loom-halide_generators_DIR.
find_package(HalideHelpers ${LOOM_HALIDE_VERSION} REQUIRED CONFIG)

# fmt, header-only, from the host's headers: its package's include directory is /usr/include, which would
# put the host's C library headers ahead of the cross compiler's own. A directory holding only fmt's.
set(loom_fmt_include ${CMAKE_BINARY_DIR}/fmt-include)
find_path(loom_fmt_headers fmt/format.h REQUIRED)
file(MAKE_DIRECTORY ${loom_fmt_include})
file(CREATE_LINK ${loom_fmt_headers}/fmt ${loom_fmt_include}/fmt SYMBOLIC)
add_library(fmt::fmt-header-only INTERFACE IMPORTED)
set_target_properties(fmt::fmt-header-only PROPERTIES
  INTERFACE_INCLUDE_DIRECTORIES ${loom_fmt_include}
  INTERFACE_COMPILE_DEFINITIONS FMT_HEADER_ONLY=1)

set(CMAKE_RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/bin)
set(CMAKE_ARCHIVE_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/lib)

add_subdirectory(runtime)
add_subdirectory(test/targets)

include(LoomModelLink)
loom_write_model_link(${LOOM_KIT_LINK_FILE} DRIVER ${CMAKE_CXX_COMPILER})
