# Cross-compiling a target kit (cmake/LoomTargetKits.cmake) for 64-bit ARM Linux: clang-22 for the target,
# over Debian's cross toolchain (gcc-aarch64-linux-gnu, g++-aarch64-linux-gnu, libc6-dev-arm64-cross),
# whose headers, libraries and binutils clang finds by the triple. Not the cross g++ 12 itself: the
# runtime uses _Float16, which g++ has for C++ on AArch64 only from version 13.
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR aarch64)
set(CMAKE_C_COMPILER clang-22)
set(CMAKE_CXX_COMPILER clang++-22)
set(CMAKE_C_COMPILER_TARGET aarch64-linux-gnu)
set(CMAKE_CXX_COMPILER_TARGET aarch64-linux-gnu)
# Programs the kit builds run under user-mode emulation, with the cross libraries as their root.
set(CMAKE_CROSSCOMPILING_EMULATOR qemu-aarch64;-L;/usr/aarch64-linux-gnu)
# The runtime's own float code (activation quantization, RoPE tables, sampling) rounds each product as the
# x86 kit does, which has no FMA in its baseline: AArch64 would otherwise fuse a * b + c.
set(CMAKE_C_FLAGS_INIT -ffp-contract=off)
set(CMAKE_CXX_FLAGS_INIT -ffp-contract=off)
