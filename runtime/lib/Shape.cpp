//===- Shape.cpp - Tensor shape helpers -----------------------------------===//

#include "Shape.h"

std::string loom::rt::formatShape(const int64_t *dims, size_t rank) {
  std::string text = "[";
  for (size_t i = 0; i < rank; ++i) {
    if (i)
      text += ", ";
    text += std::to_string(dims[i]);
  }
  return text + "]";
}

bool loom::rt::shapeBytes(const int64_t *dims, size_t rank, size_t itemSize, size_t &bytes) {
  size_t total = itemSize;
  for (size_t i = 0; i < rank; ++i) {
    if (dims[i] < 0)
      return false;
    if (__builtin_mul_overflow(total, static_cast<uint64_t>(dims[i]), &total))
      return false;
  }
  bytes = total;
  return true;
}
