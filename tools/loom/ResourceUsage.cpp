//===- ResourceUsage.cpp - Peak memory of this process --------------------===//
#include "ResourceUsage.h"

#include "llvm/Support/FormatVariadic.h"

#include <cstdio>
#include <sys/resource.h>

// The kernel's high-water mark of this program's own address space (VmHWM). Not getrusage's ru_maxrss:
// Linux carries the parent's resident size at fork into the child's ru_maxrss across exec, so a small
// program started by a large one (a test's Python with torch loaded) would report the parent's size.
uint64_t loom::peakResidentBytes() {
  if (std::FILE *status = std::fopen("/proc/self/status", "r")) {
    char line[256];
    unsigned long long kib = 0;
    bool found = false;
    while (!found && std::fgets(line, sizeof line, status))
      found = std::sscanf(line, "VmHWM: %llu kB", &kib) == 1;
    std::fclose(status);
    if (found)
      return static_cast<uint64_t>(kib) * 1024;
  }
  struct rusage usage {};
  if (getrusage(RUSAGE_SELF, &usage) != 0)
    return 0;
  // Linux reports ru_maxrss in KiB.
  return static_cast<uint64_t>(usage.ru_maxrss) * 1024;
}

std::string loom::peakMemoryLine(int64_t kvCacheBytes, int64_t activationBytes) {
  constexpr double kMiB = 1048576.0;
  return llvm::formatv("peak memory: {0:F1} MiB resident (KV cache {1:F1} MiB, activations {2:F1} MiB)\n",
                       peakResidentBytes() / kMiB, kvCacheBytes / kMiB, activationBytes / kMiB)
      .str();
}
