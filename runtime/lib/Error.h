//===- Error.h - The runtime's thread-local last error ----------*- C++ -*-===//
//
// Every public function reports failure through its return value and leaves a
// message for loom_last_error(). Internal functions return bool / nullptr and
// record the message with fail(); the C entry points only translate.
//
//===----------------------------------------------------------------------===//
#ifndef LOOM_RUNTIME_ERROR_H
#define LOOM_RUNTIME_ERROR_H

#include <fmt/core.h>

#include <string>

namespace loom::rt {

/// Replaces this thread's last error message.
void setLastError(std::string message);

/// Formats into this thread's last error message. Kept out of line so that only
/// Error.cpp instantiates fmt's formatting machinery: it is the one runtime
/// source compiled with fmt's implementation (runtime/CMakeLists.txt), so no
/// other may call a fmt function, only build arguments for this one.
void setLastErrorV(fmt::string_view format, fmt::format_args args);

/// Records a formatted error message and returns false, so that a failing check
/// reads `return fail("...", ...);`.
template <typename... Args>
bool fail(fmt::format_string<Args...> format, Args &&...args) {
  setLastErrorV(format, fmt::make_format_args(args...));
  return false;
}

/// The same for C entry points that return an int status: records the message
/// and returns -1.
template <typename... Args>
int failStatus(fmt::format_string<Args...> format, Args &&...args) {
  setLastErrorV(format, fmt::make_format_args(args...));
  return -1;
}

} // namespace loom::rt

#endif // LOOM_RUNTIME_ERROR_H
