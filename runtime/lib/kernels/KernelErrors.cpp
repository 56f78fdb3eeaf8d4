//===- KernelErrors.cpp - Fatal errors of the kernel library --------------===//

#include "KernelErrors.h"

#include <cstdarg>
#include <cstdio>
#include <cstdlib>

extern "C" void loom_kernel_fail(const char *fmt, ...) {
  // One fprintf per part: nothing here may allocate, since the caller may be failing for lack of memory.
  std::fputs("loom: kernel error: ", stderr);
  va_list args;
  va_start(args, fmt);
  std::vfprintf(stderr, fmt, args);
  va_end(args);
  std::fputc('\n', stderr);
  std::fflush(stderr);
  std::abort();
}
