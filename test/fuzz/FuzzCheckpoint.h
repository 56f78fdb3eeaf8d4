//===- FuzzCheckpoint.h - Shared helpers of the weight-file fuzzers -*- C++ -*-===//
//
// The checkpoint fuzzers feed each input to a reader directly and then, as a
// file, to loadCheckpoint against a small llama-named manifest, so that the
// matching, shape checks and weight conversion run on whatever the reader
// accepts. The file is an in-memory memfd, reached through /proc/self/fd.
// FuzzKernels.cpp stands in for the kernel library.
//
//===----------------------------------------------------------------------===//
#ifndef LOOM_TEST_FUZZ_FUZZCHECKPOINT_H
#define LOOM_TEST_FUZZ_FUZZCHECKPOINT_H

#include "Checkpoint.h"
#include "WeightStore.h"

#include <cstddef>
#include <cstdint>
#include <string>
#include <sys/mman.h>
#include <unistd.h>

namespace loom::fuzz {

/// Weights of a one-layer model: matrices, vectors, a bias.
inline const loom_weight_desc kWeights[] = {
    {"embedding.weight", 2, {8, 4, 0, 0}, LOOM_DTYPE_F32},
    {"layers.0.attn_norm.weight", 1, {4, 0, 0, 0}, LOOM_DTYPE_F32},
    {"layers.0.attention.q_proj.weight", 2, {4, 32, 0, 0}, LOOM_DTYPE_F32},
    {"layers.0.attention.q_proj.bias", 1, {4, 0, 0, 0}, LOOM_DTYPE_F32},
    {"final_norm.weight", 1, {4, 0, 0, 0}, LOOM_DTYPE_F32},
};

inline const loom_model_desc kDescriptor = {
    LOOM_ABI_VERSION, "fuzz", /*vocab=*/8, /*d_model=*/4, /*n_layers=*/0, /*max_context=*/8, /*max_chunk=*/1,
    /*scratch_bytes=*/0, sizeof(kWeights) / sizeof(kWeights[0]), kWeights, nullptr,
};

/// Loads `data` as a checkpoint file into a fresh store; the result is ignored
/// (errors are expected), crashes and sanitizer reports are the findings.
inline void loadAsCheckpoint(const uint8_t *data, size_t size) {
  int fd = memfd_create("loom-fuzz-checkpoint", MFD_CLOEXEC);
  if (fd < 0)
    return;
  size_t written = 0;
  while (written < size) {
    ssize_t n = write(fd, data + written, size - written);
    if (n <= 0)
      break;
    written += size_t(n);
  }
  if (written == size) {
    loom::rt::WeightStore store(sizeof(kWeights) / sizeof(kWeights[0]));
    if (loom::rt::loadCheckpoint(kDescriptor, "/proc/self/fd/" + std::to_string(fd), store)) {
      // Touch every loaded weight's first and last byte.
      volatile uint8_t sink = 0;
      for (size_t i = 0; i < sizeof(kWeights) / sizeof(kWeights[0]); ++i)
        sink = sink + *static_cast<const uint8_t *>(store.table()[i].data);
      (void)sink;
    }
  }
  close(fd);
}

} // namespace loom::fuzz

#endif // LOOM_TEST_FUZZ_FUZZCHECKPOINT_H
