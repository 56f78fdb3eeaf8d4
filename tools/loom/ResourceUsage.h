//===- ResourceUsage.h - Peak memory of this process -------------*- C++ -*-===//
#ifndef LOOM_TOOLS_RESOURCEUSAGE_H
#define LOOM_TOOLS_RESOURCEUSAGE_H

#include <cstdint>

namespace loom {

/// The peak resident set size of this process so far, in bytes (the kernel's
/// high-water mark: mapped weight pages count once touched).
uint64_t peakResidentBytes();

} // namespace loom

#endif // LOOM_TOOLS_RESOURCEUSAGE_H
