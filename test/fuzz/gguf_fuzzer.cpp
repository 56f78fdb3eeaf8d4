//===- gguf_fuzzer.cpp - libFuzzer entry point for the GGUF reader --------===//
//
// Parses arbitrary bytes as GGUF; for files the reader accepts, reads every
// metadata value and every tensor's bytes (which must lie inside the input:
// ASan checks), then loads the input as weights (FuzzCheckpoint.h).
//
//===----------------------------------------------------------------------===//
#include "FuzzCheckpoint.h"
#include "Gguf.h"

using loom::rt::GgufValue;

namespace {

uint64_t visit(const GgufValue &value) {
  uint64_t hash = value.uintValue ^ uint64_t(value.intValue) ^ value.string.size();
  for (uint64_t i = 0; i < value.count; ++i) {
    GgufValue element = value.element(i);
    hash = hash * 31 + element.uintValue + element.string.size();
    if (element.isArray())
      hash += visit(element);
  }
  return hash;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  loom::rt::GgufFile file;
  if (file.parse(data, size, "fuzz.gguf")) {
    volatile uint64_t sink = 0;
    for (const loom::rt::GgufKeyValue &entry : file.metadata())
      sink = sink + visit(entry.value) + entry.key.size();
    for (const loom::rt::GgufTensor &tensor : file.tensors()) {
      std::string name;
      loom::rt::ggufToLoomName(tensor.name, name);
      sink = sink + tensor.data[0] + tensor.data[tensor.bytes - 1] + tensor.shape().size();
    }
    (void)sink;
  }
  loom::fuzz::loadAsCheckpoint(data, size);
  return 0;
}
