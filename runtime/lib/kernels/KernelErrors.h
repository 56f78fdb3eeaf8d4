//===- KernelErrors.h - Fatal errors of the kernel library -----*- C++ -*-===//
//
// The kernels' C ABI has no error channel: the runtime validates shapes and
// dtypes before a forward pass, so a kernel that still meets an unsupported
// dtype, an out-of-range size or a failing pipeline reports it and aborts
// rather than returning garbage.
//
//===----------------------------------------------------------------------===//
#ifndef LOOM_RUNTIME_KERNELS_KERNELERRORS_H
#define LOOM_RUNTIME_KERNELS_KERNELERRORS_H

extern "C" {

/// Prints "loom: kernel error: <formatted message>" to stderr and aborts.
[[noreturn]] void loom_kernel_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

} // extern "C"

#endif // LOOM_RUNTIME_KERNELS_KERNELERRORS_H
