//===- Shape.h - Tensor shape helpers ---------------------------*- C++ -*-===//
#ifndef LOOM_RUNTIME_SHAPE_H
#define LOOM_RUNTIME_SHAPE_H

#include <cstddef>
#include <cstdint>
#include <string>

namespace loom::rt {

/// "[64, 3]"; "[]" for a scalar.
std::string formatShape(const int64_t *dims, size_t rank);

/// The product of non-negative `dims` times `itemSize`, checked against
/// overflow of size_t; false if it overflows or a dimension is negative.
bool shapeBytes(const int64_t *dims, size_t rank, size_t itemSize, size_t &bytes);

} // namespace loom::rt

#endif // LOOM_RUNTIME_SHAPE_H
