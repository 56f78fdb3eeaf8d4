//===- FusedWeights.cpp - Manifest weights stored as rows of a fused tensor ===//

#include "FusedWeights.h"
#include "Error.h"

#include <string_view>
#include <unordered_map>
#include <unordered_set>

using namespace loom::rt;

namespace {

struct Fusion {
  std::string_view fused;
  std::vector<std::string_view> parts; ///< In row order.
  std::string_view partNames;          ///< For messages.
  /// The parts alternate head by head (FusedPart::block), a head being the first part's rope_head_dim rows.
  bool perHead = false;
};

const Fusion kFusions[] = {
    {"qkv_proj", {"q_proj", "k_proj", "v_proj"}, "q, k and v"},
    {"gate_up_proj", {"gate_proj", "up_proj"}, "gate and up"},
    {"q_gate_proj", {"q_proj", "gate_proj"}, "query and output gate", /*perHead=*/true},
};

} // namespace

bool loom::rt::planFusedParts(const loom_model_desc &desc, const std::vector<std::string> &available,
                              std::vector<int64_t> (*fusedShape)(const void *context, const std::string &name),
                              const void *context, const std::string &file, std::vector<FusedPart> &parts) {
  std::unordered_map<std::string_view, const loom_weight_desc *> manifest;
  for (int64_t i = 0; i < desc.n_weights; ++i)
    manifest.emplace(desc.weights[i].name, &desc.weights[i]);
  std::unordered_set<std::string_view> present(available.begin(), available.end());

  for (const std::string &name : available) {
    for (const Fusion &fusion : kFusions) {
      // "<prefix>.<fused>.<param>"
      std::string marker = "." + std::string(fusion.fused) + ".";
      size_t at = name.rfind(marker);
      if (at == std::string::npos || name.find('.', at + marker.size()) != std::string::npos)
        continue;
      std::string prefix = name.substr(0, at + 1), param = name.substr(at + marker.size());
      std::vector<const loom_weight_desc *> partDescs;
      bool usable = true;
      for (std::string_view part : fusion.parts) {
        std::string partName = prefix + std::string(part) + "." + param;
        auto it = manifest.find(partName);
        usable &= it != manifest.end() && !present.count(partName);
        if (usable)
          partDescs.push_back(it->second);
      }
      if (!usable)
        continue;
      // Stacked experts ("<layer>.ffn.experts.gate_proj.weight" [E, rows, in], biases [E, rows]) fuse their
      // rows within each expert; matrices and vectors fuse theirs.
      const bool stacked = prefix.size() >= 9 && prefix.compare(prefix.size() - 9, 9, ".experts.") == 0 &&
                           partDescs[0]->rank >= 2;
      const int64_t experts = stacked ? partDescs[0]->shape[0] : 0, axis = stacked ? 1 : 0;
      int64_t first = 0;
      std::vector<FusedPart> planned;
      for (size_t p = 0; p < partDescs.size(); ++p) {
        planned.push_back({partDescs[p]->name, name, first, partDescs[p]->shape[axis], experts});
        first += partDescs[p]->shape[axis];
      }
      const std::string partNames(fusion.partNames);
      const std::vector<int64_t> shape = fusedShape(context, name);
      if (fusion.perHead) {
        // A head's rows: the query's RoPE layout says how many (every part is as wide as the query).
        const int64_t block = partDescs[0]->rope_head_dim;
        bool sameParts = true;
        for (const loom_weight_desc *part : partDescs)
          sameParts &= part->rank == partDescs[0]->rank && part->shape[0] == partDescs[0]->shape[0];
        if (block <= 0 || stacked || !sameParts || partDescs[0]->shape[0] % block != 0)
          return fail("'{}': fused tensor '{}' holds each head's {} in turn, which the model's '{}' (no RoPE head "
                      "layout, or parts of other sizes) cannot be split by",
                      file, name, partNames, partDescs[0]->name);
        for (FusedPart &part : planned)
          part.block = block;
      }
      if (stacked) {
        if (shape.size() != size_t(partDescs[0]->rank))
          return fail("'{}': fused tensor '{}' has rank {}, but its parts {} are stacked experts of rank {}", file,
                      name, shape.size(), partNames, partDescs[0]->rank);
        if (shape[0] != experts || shape[1] != first)
          return fail("'{}': fused tensor '{}' has {} experts of {} rows, but its parts {} need {} experts of {} rows",
                      file, name, shape[0], shape[1], partNames, experts, first);
      } else {
        const int64_t rows = shape.empty() ? 0 : shape[0];
        if (rows != first)
          return fail("'{}': fused tensor '{}' has {} rows, but its parts {} need {}", file, name, rows, partNames,
                      first);
      }
      parts.insert(parts.end(), planned.begin(), planned.end());
    }
  }
  return true;
}

bool loom::rt::fusedNameOf(const std::string &part, std::string &fused) {
  for (const Fusion &fusion : kFusions)
    for (std::string_view name : fusion.parts) {
      // "<prefix>.<part>.<param>"
      std::string marker = "." + std::string(name) + ".";
      size_t at = part.rfind(marker);
      if (at == std::string::npos || part.find('.', at + marker.size()) != std::string::npos)
        continue;
      fused = part.substr(0, at + 1) + std::string(fusion.fused) + part.substr(at + marker.size() - 1);
      return true;
    }
  return false;
}
