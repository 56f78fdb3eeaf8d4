//===- Error.cpp - The runtime's thread-local last error ------------------===//

#include "Error.h"
#include "PublicAPI.h"

#include <fmt/format.h>

#include <utility>

namespace {
// One message per thread, so that concurrent users of different models (or of
// the sampler) never see each other's errors.
thread_local std::string lastError;
} // namespace

void loom::rt::setLastError(std::string message) { lastError = std::move(message); }

void loom::rt::setLastErrorV(fmt::string_view format, fmt::format_args args) {
  lastError = fmt::vformat(format, args);
}

const char *loom_last_error(void) { return lastError.c_str(); }
