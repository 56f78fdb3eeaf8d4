//===- Descriptor.h - Checks on the generated model descriptor --*- C++ -*-===//
#ifndef LOOM_RUNTIME_DESCRIPTOR_H
#define LOOM_RUNTIME_DESCRIPTOR_H

#include "loom/Runtime/ModelABI.h"

namespace loom::rt {

/// Checks that `desc` (which may be null) has this runtime's ABI version and is
/// internally consistent, so that the rest of the runtime can rely on it:
/// positive sizes, ranks of at most LOOM_MAX_RANK with positive dimensions,
/// unique weight names, RoPE row layouts, and valid cache kinds and shapes.
bool validateDescriptor(const loom_model_desc *desc);

/// Bytes of K and V, F32, of one position over all caches.
int64_t kvBytesPerToken(const loom_model_desc &desc);

} // namespace loom::rt

#endif // LOOM_RUNTIME_DESCRIPTOR_H
