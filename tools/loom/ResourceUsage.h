//===- ResourceUsage.h - Peak memory of this process -------------*- C++ -*-===//
#ifndef LOOM_TOOLS_RESOURCEUSAGE_H
#define LOOM_TOOLS_RESOURCEUSAGE_H

#include <cstdint>
#include <string>

namespace loom {

/// The peak resident set size of this process so far, in bytes (the kernel's
/// high-water mark: mapped weight pages count once touched).
uint64_t peakResidentBytes();

/// "peak memory: P MiB resident (KV cache K MiB, activations A MiB)", the line the run commands end with.
std::string peakMemoryLine(int64_t kvCacheBytes, int64_t activationBytes);

} // namespace loom

#endif // LOOM_TOOLS_RESOURCEUSAGE_H
