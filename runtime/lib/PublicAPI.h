//===- PublicAPI.h - loom.h with exported visibility ------------*- C++ -*-===//
//
// The runtime is compiled with -fvisibility=hidden: it is linked into every
// model library, and nothing but the C API may leak out of it (fmt, the JSON
// reader and C++ helpers would otherwise clash between two models loaded in one
// process). Declaring the API under `visibility push(default)` exports exactly
// the functions of loom.h. Runtime sources that define API functions include
// this header instead of loom/loom.h.
//
//===----------------------------------------------------------------------===//
#ifndef LOOM_RUNTIME_PUBLICAPI_H
#define LOOM_RUNTIME_PUBLICAPI_H

#pragma GCC visibility push(default)
#include "loom/loom.h"
#pragma GCC visibility pop

#endif // LOOM_RUNTIME_PUBLICAPI_H
