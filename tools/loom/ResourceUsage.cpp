//===- ResourceUsage.cpp - Peak memory of this process --------------------===//
#include "ResourceUsage.h"

#include <sys/resource.h>

uint64_t loom::peakResidentBytes() {
  struct rusage usage {};
  if (getrusage(RUSAGE_SELF, &usage) != 0)
    return 0;
  // Linux reports ru_maxrss in KiB.
  return static_cast<uint64_t>(usage.ru_maxrss) * 1024;
}
