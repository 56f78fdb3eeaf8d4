//===- safetensors_fuzzer.cpp - libFuzzer entry point for safetensors -----===//
//
// Loads arbitrary bytes as a safetensors file (header JSON, dtypes, shapes,
// offsets, overlap checks), reads every accepted tensor's bytes (ASan checks
// they lie inside the file), then loads them as weights (FuzzCheckpoint.h).
//
//===----------------------------------------------------------------------===//
#include "FuzzCheckpoint.h"
#include "Safetensors.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  int fd = memfd_create("loom-fuzz-safetensors", MFD_CLOEXEC);
  if (fd < 0)
    return 0;
  if (write(fd, data, size) == ssize_t(size)) {
    loom::rt::SafetensorsFile file;
    if (file.open("/proc/self/fd/" + std::to_string(fd))) {
      volatile uint64_t sink = 0;
      for (const loom::rt::SafetensorsTensor &tensor : file.tensors())
        if (tensor.bytes)
          sink = sink + tensor.data[0] + tensor.data[tensor.bytes - 1];
      (void)sink;
    }
  }
  close(fd);
  loom::fuzz::loadAsCheckpoint(data, size);
  return 0;
}
