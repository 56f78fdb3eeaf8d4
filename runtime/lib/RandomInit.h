//===- RandomInit.h - Seeded random weights ---------------------*- C++ -*-===//
#ifndef LOOM_RUNTIME_RANDOMINIT_H
#define LOOM_RUNTIME_RANDOMINIT_H

#include "WeightStore.h"
#include "loom/Runtime/ModelABI.h"

#include <cstdint>

namespace loom::rt {

/// Fills `store` (sized for the manifest) with F32 weights drawn from one
/// Random stream seeded with `seed`, weight after weight in manifest order and
/// element after element in row-major order, so the values depend only on the
/// seed and the manifest. Every element is N(0, stddev), biases included,
/// except that 1-D weights whose name ends in "norm.weight" (normalization
/// scales, which multiply activations) are 1 + N(0, stddev).
bool initRandomWeights(const loom_model_desc &desc, uint64_t seed, float stddev, WeightStore &store);

} // namespace loom::rt

#endif // LOOM_RUNTIME_RANDOMINIT_H
