//===- SpecializeAttention.cpp - Caches sized by each attention's mask ---===//
//
// A cache's type is shared by the `loom.kv_cache` that introduces it and the
// chain of `loom.cache_append`s that extend it, so specialising a cache is
// retyping that chain, decided by the attention(s) reading it: a cache read
// only by sliding-window attentions of window W becomes a ring of W, one read
// only by chunked attentions of chunk C a chunk cache of C. A cache read by
// attentions that disagree stays full.
//
//===----------------------------------------------------------------------===//
#include "loom/Passes/Passes.h"

#include "loom/Dialect/LoomOps.h"

namespace loom {
#define GEN_PASS_DEF_LOOMSPECIALIZEATTENTIONPASS
#include "loom/Passes/Passes.h.inc"
} // namespace loom

using namespace mlir;

namespace loom {
namespace {

/// The cache states derived from `cache` by appends, and the attentions reading any of them.
struct CacheChain {
  SmallVector<Value> states;
  SmallVector<AttendOp> readers;
  bool escapes = false;
};

CacheChain collectChain(KVCacheOp cache) {
  CacheChain chain;
  SmallVector<Value> work{cache.getResult()};
  while (!work.empty()) {
    Value state = work.pop_back_val();
    chain.states.push_back(state);
    for (Operation *user : state.getUsers()) {
      if (auto append = dyn_cast<CacheAppendOp>(user); append && append.getCache() == state)
        work.push_back(append.getResult());
      else if (auto attend = dyn_cast<AttendOp>(user))
        chain.readers.push_back(attend);
      else
        chain.escapes = true; // someone we do not know reads the cache: keep it as it is
    }
  }
  return chain;
}

/// The cache kind every reader's mask allows, if they agree.
std::optional<std::pair<CacheKind, int64_t>> specialKind(ArrayRef<AttendOp> readers) {
  std::optional<std::pair<CacheKind, int64_t>> kind;
  for (AttendOp attend : readers) {
    std::pair<CacheKind, int64_t> wanted;
    switch (attend.getMask()) {
    case AttentionMask::global:
      return std::nullopt;
    case AttentionMask::sliding_window:
      wanted = {CacheKind::ring, static_cast<int64_t>(attend.getWindow())};
      break;
    case AttentionMask::chunked:
      wanted = {CacheKind::chunk, static_cast<int64_t>(attend.getWindow())};
      break;
    }
    if (kind && *kind != wanted)
      return std::nullopt;
    kind = wanted;
  }
  return kind;
}

struct LoomSpecializeAttentionPass : impl::LoomSpecializeAttentionPassBase<LoomSpecializeAttentionPass> {
  void runOnOperation() override {
    getOperation().walk([&](KVCacheOp cache) {
      KVCacheType type = cache.getType();
      if (type.getKind() != CacheKind::full)
        return;
      CacheChain chain = collectChain(cache);
      if (chain.escapes || chain.readers.empty())
        return;
      auto kind = specialKind(chain.readers);
      if (!kind)
        return;
      auto special = KVCacheType::get(&getContext(), kind->first, kind->second, type.getKvHeads(),
                                      type.getKeyDim(), type.getValueDim());
      for (Value state : chain.states)
        state.setType(special);
    });
  }
};

} // namespace
} // namespace loom
