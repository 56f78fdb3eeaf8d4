//===- StackedWeights.h - Expert weights stored one tensor per expert -*- C++ -*-===//
//
// An MoE layer's manifest stacks each expert projection in the leading
// dimension ("layers.0.ffn.experts.gate_proj.weight" [E, I, d], expert e's
// matrix at slice e), which is how the kernels take it and how GGUF and
// transformers 5 store it. Checkpoints on the Hub store one tensor per expert
// instead ("model.layers.0.mlp.experts.<e>.gate_proj.weight", which HfNames.cpp
// maps to "layers.0.ffn.experts.<e>.gate_proj.weight"), so the loader stacks
// them into one owned copy. This is the inverse of FusedWeights.h (one file
// tensor giving several manifest weights): here several file tensors give one,
// and what can go wrong is different (an expert missing, given twice or beyond
// the model's count, experts that disagree in shape or dtype). Planning is
// kept apart from the copy so that all of that is checked, and reported with
// the tensor's name as the file spells it, before any weight is set.
//
// Header-only: its one user is Checkpoint.cpp.
//
//===----------------------------------------------------------------------===//
#ifndef LOOM_RUNTIME_STACKEDWEIGHTS_H
#define LOOM_RUNTIME_STACKEDWEIGHTS_H

#include "Error.h"
#include "Shape.h"
#include "loom/Runtime/ModelABI.h"

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace loom::rt {

/// A checkpoint tensor as the stacking sees it.
struct StackSource {
  std::string_view file;      ///< The file holding it, for messages.
  std::string_view stored;    ///< Its name in the file (a fused tensor's, for a part of one).
  std::vector<int64_t> shape; ///< In Loom's order.
  std::string_view dtype;     ///< As the file's format spells it.
};

/// A manifest weight stacked from per-expert tensors.
struct StackedWeight {
  int64_t weight;                   ///< Manifest index.
  std::vector<std::string> experts; ///< The tensors of experts 0 .. E-1, in manifest terms.
};

/// Splits an expert's tensor in manifest terms, "<prefix>.experts.<e>.<tensor>", into the stacked weight's
/// name "<prefix>.experts.<tensor>" and e (at most 9 digits, leading zeros allowed: "03" is expert 3).
inline bool splitPerExpertName(std::string_view name, std::string &stacked, int64_t &expert) {
  constexpr std::string_view kMarker = ".experts.";
  size_t at = name.rfind(kMarker);
  if (at == std::string_view::npos)
    return false;
  std::string_view rest = name.substr(at + kMarker.size());
  size_t digits = 0;
  expert = 0;
  while (digits < rest.size() && rest[digits] >= '0' && rest[digits] <= '9')
    expert = expert * 10 + (rest[digits++] - '0');
  if (digits == 0 || digits > 9 || digits + 1 >= rest.size() || rest[digits] != '.')
    return false;
  stacked = std::string(name.substr(0, at + kMarker.size())) + std::string(rest.substr(digits + 1));
  return true;
}

/// The stacks to assemble: every manifest weight (of rank >= 2, E = its leading dimension) that tensors of
/// `available` (every checkpoint tensor, by its name in manifest terms) give per expert. Fails naming the
/// tensor, quoted by `describe` as the file spells it, and its file (`file`, the checkpoint, for a missing
/// expert) when the weight is also given stacked, an expert is beyond E or given twice, an expert is missing,
/// or an expert's shape is not the weight's slice or its dtype not expert 0's. Tensors whose stacked name is
/// not a manifest weight are left alone (the caller reports them as not in the model).
inline bool planStackedWeights(const loom_model_desc &desc, const std::map<std::string, StackSource> &available,
                               const std::function<std::string(const std::string &)> &describe,
                               const std::string &file, std::vector<StackedWeight> &stacks) {
  std::unordered_map<std::string_view, int64_t> manifest;
  for (int64_t i = 0; i < desc.n_weights; ++i)
    manifest.emplace(desc.weights[i].name, i);
  // Per stacked weight (sorted, like `available`, so that the first fault is reported whatever the order of
  // the files): its experts' tensors as (index, name).
  std::map<std::string, std::vector<std::pair<int64_t, std::string>>> groups;
  for (const auto &entry : available) {
    std::string stacked;
    int64_t expert;
    if (!splitPerExpertName(entry.first, stacked, expert))
      continue;
    auto it = manifest.find(stacked);
    if (it != manifest.end() && desc.weights[it->second].rank >= 2)
      groups[stacked].emplace_back(expert, entry.first);
  }

  for (const auto &[stacked, members] : groups) {
    const int64_t index = manifest.at(stacked);
    const loom_weight_desc &weight = desc.weights[index];
    const std::string shape = formatShape(weight.shape, size_t(weight.rank));
    const int64_t experts = weight.shape[0];
    if (auto whole = available.find(stacked); whole != available.end())
      return fail("'{}': the model's '{}' is given both stacked ('{}') and per expert ({})", whole->second.file,
                  stacked, whole->second.stored, describe(members.front().second));
    std::vector<const std::string *> byExpert(size_t(experts), nullptr);
    for (const auto &[expert, name] : members) {
      std::string_view where = available.at(name).file;
      if (expert >= experts)
        return fail("'{}': tensor {} is expert {}, but the model's '{}' {} has {} experts", where, describe(name),
                    expert, stacked, shape, experts);
      if (const std::string *other = byExpert[size_t(expert)])
        return fail("'{}': tensors {} and {} are both expert {} of the model's '{}'", where, describe(*other),
                    describe(name), expert, stacked);
      byExpert[size_t(expert)] = &name;
    }
    const std::vector<int64_t> slice(weight.shape + 1, weight.shape + weight.rank);
    const std::string sliceShape = formatShape(slice.data(), slice.size());
    StackedWeight stack{index, {}};
    const size_t cut = stacked.rfind(".experts.") + 9; // "<prefix>.experts." | "<tensor>"
    for (int64_t e = 0; e < experts; ++e) {
      if (!byExpert[size_t(e)]) {
        std::string missing = stacked.substr(0, cut) + std::to_string(e) + "." + stacked.substr(cut);
        return fail("'{}': missing tensor {}, expert {} of the {} stacked into the model's '{}' {} (expected "
                    "shape {})",
                    file, describe(missing), e, experts, stacked, shape, sliceShape);
      }
      const std::string &name = *byExpert[size_t(e)];
      const StackSource &source = available.at(name), &first = available.at(*byExpert[0]);
      if (source.shape != slice)
        return fail("'{}': tensor {} has shape {} but expert {} of the model's '{}' {} must be {}", source.file,
                    describe(name), formatShape(source.shape.data(), source.shape.size()), e, stacked, shape,
                    sliceShape);
      if (source.dtype != first.dtype)
        return fail("'{}': tensor {} is {} but {} is {}: the experts stacked into the model's '{}' must share a "
                    "dtype",
                    source.file, describe(name), source.dtype, describe(*byExpert[0]), first.dtype, stacked);
      stack.experts.push_back(name);
    }
    stacks.push_back(std::move(stack));
  }
  return true;
}

} // namespace loom::rt

#endif // LOOM_RUNTIME_STACKEDWEIGHTS_H
