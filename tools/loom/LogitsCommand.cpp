//===- LogitsCommand.cpp - `loom logits` --------------------------------===//
//
// Writes float32 logits, row-major [n_tokens, vocab], for every position. By
// default one batched forward pass; --decode-from K prefills K tokens and then
// feeds the rest one at a time through the KV cache, which must give the same
// numbers (the KV-cache equivalence tests compare the two).
//
//===----------------------------------------------------------------------===//
#include "Commands.h"
#include "Generation.h"
#include "ModelOptions.h"

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/raw_ostream.h"

using namespace llvm;

namespace {
cl::SubCommand sub("logits", "Write the logits of every position of a token sequence");
loom::ModelTargetOptions model(sub);
cl::opt<std::string> weights("weights", cl::desc("Weights file (safetensors)"), cl::init(""), cl::sub(sub));
cl::opt<bool> randomWeights("random-weights", cl::desc("Use seeded random weights"), cl::sub(sub));
cl::opt<uint64_t> seed("seed", cl::desc("Seed for --random-weights"), cl::init(0), cl::sub(sub));
cl::opt<std::string> tokens("tokens", cl::desc("Token ids, e.g. 1,2,3"), cl::Required, cl::sub(sub));
cl::opt<std::string> output("out", cl::desc("Output file (float32, [n_tokens, vocab])"), cl::Required,
                            cl::sub(sub));
cl::opt<int64_t> decodeFrom("decode-from",
                            cl::desc("Prefill this many tokens in one pass, then one token at a time (-1: all "
                                     "in one pass)"),
                            cl::init(-1), cl::sub(sub));

int run() {
  if (randomWeights == !weights.empty())
    return loom::reportError(createStringError("give exactly one of --weights FILE and --random-weights"));
  auto ids = loom::parseTokenList(tokens);
  if (!ids)
    return loom::reportError(ids.takeError());
  auto loaded = model.open(weights);
  if (!loaded)
    return loom::reportError(loaded.takeError());
  if (auto err = (*loaded)->loadWeights(weights, seed))
    return loom::reportError(std::move(err));
  auto cache = (*loaded)->newCache();
  if (!cache)
    return loom::reportError(cache.takeError());

  size_t n = ids->size();
  size_t batched = decodeFrom < 0 ? n : std::min<size_t>(static_cast<size_t>(decodeFrom), n);
  std::vector<float> all, rows;
  if (batched > 0) {
    std::vector<int32_t> head(ids->begin(), ids->begin() + batched);
    if (auto err = (*loaded)->forward(*cache, head, /*allLogits=*/true, rows))
      return loom::reportError(std::move(err));
    all = rows;
  }
  for (size_t i = batched; i < n; ++i) {
    if (auto err = (*loaded)->forward(*cache, {(*ids)[i]}, /*allLogits=*/true, rows))
      return loom::reportError(std::move(err));
    all.insert(all.end(), rows.begin(), rows.end());
  }

  std::error_code ec;
  raw_fd_ostream out(output, ec, sys::fs::OF_None);
  if (ec)
    return loom::reportError(createStringError(ec, "cannot write '%s'", output.c_str()));
  out.write(reinterpret_cast<const char *>(all.data()), all.size() * sizeof(float));
  return 0;
}
} // namespace

loom::Command loom::logitsCommand() { return {sub, run}; }
