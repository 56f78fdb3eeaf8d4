//===- LayerName.h - "<prefix><layer>.<rest>" tensor names -------*- C++ -*-===//
//
// Every checkpoint convention names per-layer tensors by a prefix, the layer
// index and the rest ("blk.3.attn_q.weight", "model.layers.3.mlp.up_proj.weight",
// "layers.3.attention.q_proj.weight"); the name tables share this split.
//
//===----------------------------------------------------------------------===//
#ifndef LOOM_RUNTIME_LAYERNAME_H
#define LOOM_RUNTIME_LAYERNAME_H

#include <string_view>

namespace loom::rt {

/// Splits "<prefix><digits>.<rest>" into the layer digits and rest. The index
/// is canonical decimal (no sign, no leading zero) of at most 9 digits.
inline bool splitLayerName(std::string_view name, std::string_view prefix, std::string_view &index,
                           std::string_view &rest) {
  if (name.substr(0, prefix.size()) != prefix)
    return false;
  name.remove_prefix(prefix.size());
  size_t digits = 0;
  while (digits < name.size() && name[digits] >= '0' && name[digits] <= '9')
    ++digits;
  if (digits == 0 || digits > 9 || (digits > 1 && name[0] == '0') || digits >= name.size() || name[digits] != '.')
    return false;
  index = name.substr(0, digits);
  rest = name.substr(digits + 1);
  return true;
}

} // namespace loom::rt

#endif // LOOM_RUNTIME_LAYERNAME_H
