//===- RunCommand.cpp - `loom run [LIB_OR_SPEC]` ------------------------===//
//
// Generates from a prompt given as text (--prompt, encoded with the GGUF
// file's tokenizer and chat template, the answer streamed as text) or as
// token ids (--tokens, or a synthetic prompt; ids printed). Either way it
// ends with prefill and decode rates and the peak resident memory.
//
//===----------------------------------------------------------------------===//
#include "Commands.h"
#include "Generation.h"
#include "ModelOptions.h"
#include "ResourceUsage.h"
#include "SpecCompilation.h"
#include "TextPrompt.h"

#include "llvm/Support/Format.h"
#include "llvm/Support/raw_ostream.h"

using namespace llvm;

namespace {
cl::SubCommand sub("run", "Generate tokens with a compiled model (a spec is compiled first, and cached)");
loom::ModelTargetOptions model(sub);
cl::opt<bool> randomWeights("random-weights", cl::desc("Use seeded random weights"), cl::sub(sub));
cl::opt<std::string> weights("weights", cl::desc("Weights file (GGUF or safetensors)"), cl::init(""), cl::sub(sub));
cl::opt<std::string> promptText("prompt",
                                cl::desc("Prompt text, in the model's chat template (GGUF weights: their "
                                         "tokenizer); the answer is streamed as text"),
                                cl::init(""), cl::sub(sub));
cl::opt<bool> rawPrompt("raw", cl::desc("With --prompt: feed the text as it is, without the chat template"),
                        cl::sub(sub));
cl::opt<std::string> systemText("system", cl::desc("With --prompt: the system message (default: the template's)"),
                                cl::init(""), cl::sub(sub));
cl::opt<int64_t> count("n", cl::desc("Tokens to generate"), cl::init(32), cl::sub(sub));
cl::opt<uint64_t> seed("seed", cl::desc("Seed for weights, prompt and sampling"), cl::init(0), cl::sub(sub));
cl::opt<std::string> tokens("tokens", cl::desc("Prompt token ids, e.g. 1,2,3 (instead of --prompt)"), cl::init(""),
                            cl::sub(sub));
cl::opt<int64_t> promptLength("prompt-len", cl::desc("Length of the synthetic prompt when --tokens is absent"),
                              cl::init(16), cl::sub(sub));
cl::opt<float> temperature("temp", cl::desc("Sampling temperature (0: greedy)"), cl::init(0.0f), cl::sub(sub));
cl::opt<int> topK("top-k", cl::desc("Top-k sampling (0: off)"), cl::init(0), cl::sub(sub));
cl::opt<float> topP("top-p", cl::desc("Top-p sampling (1: off)"), cl::init(1.0f), cl::sub(sub));
cl::opt<int64_t> contextSize("ctx",
                             cl::desc("KV cache capacity in tokens (0: prompt + generated tokens; at most the "
                                      "model's max_context)"),
                             cl::init(0), cl::sub(sub));

int run() {
  if (randomWeights == !weights.empty())
    return loom::reportError(createStringError("give exactly one of --random-weights and --weights FILE"));
  bool fromSpec = !model.target.empty() && !loom::isModelLibrary(model.target);
  if (fromSpec) {
    auto description = loom::describeSpec(model.target, model.arch);
    if (!description)
      return loom::reportError(description.takeError());
    outs() << *description;
  }
  auto loaded = model.open(weights);
  if (!loaded)
    return loom::reportError(loaded.takeError());
  const loom::ModelApi &api = (*loaded)->api();
  const loom_model_info &info = (*loaded)->info();
  if (!fromSpec)
    outs() << "architecture " << info.arch_name << ": vocab " << info.vocab << ", d_model " << info.d_model << ", "
           << info.n_layers << " layers, max context " << info.max_context << "\n";

  if (!promptText.empty() && !tokens.empty())
    return loom::reportError(createStringError("give at most one of --prompt and --tokens"));
  if (!promptText.empty() && weights.empty())
    return loom::reportError(createStringError("--prompt needs --weights FILE.gguf, whose tokenizer encodes the text"));
  std::optional<loom::TextPrompt> text;
  std::vector<int32_t> prompt;
  if (!promptText.empty()) {
    auto encoded = loom::encodeTextPrompt(weights, promptText, rawPrompt,
                                          systemText.getNumOccurrences() ? std::optional<std::string>(systemText)
                                                                         : std::nullopt);
    if (!encoded)
      return loom::reportError(encoded.takeError());
    text = std::move(*encoded);
    prompt = text->tokens;
  } else if (!tokens.empty()) {
    auto parsed = loom::parseTokenList(tokens);
    if (!parsed)
      return loom::reportError(parsed.takeError());
    prompt = *parsed;
  } else {
    prompt = loom::syntheticPrompt(promptLength, info.vocab, seed);
  }
  // The prompt is checked before the weights load: a mistake in it fails fast.
  if (static_cast<int64_t>(prompt.size()) >= info.max_context)
    return loom::reportError(createStringError("the prompt has %zu tokens; the model's context holds %lld, and "
                                               "one more is needed to generate",
                                               prompt.size(), (long long)info.max_context));
  // A cache as long as this run needs, not the model's whole context: it is the largest allocation after
  // the weights. Generation stops where the context ends.
  int64_t capacity = contextSize > 0 ? contextSize.getValue() : static_cast<int64_t>(prompt.size()) + count;
  capacity = std::min<int64_t>(capacity, info.max_context);
  if (capacity <= static_cast<int64_t>(prompt.size()))
    return loom::reportError(createStringError("--ctx %lld leaves no room after the %zu prompt tokens",
                                               (long long)capacity, prompt.size()));
  int64_t toGenerate = std::min<int64_t>(count, capacity - static_cast<int64_t>(prompt.size()));
  if (auto err = (*loaded)->loadWeights(weights, seed))
    return loom::reportError(std::move(err));
  auto cache = (*loaded)->newCache(capacity);
  if (!cache)
    return loom::reportError(cache.takeError());
  loom_sampler_params params{temperature, topK, topP, seed};
  loom_sampler *sampler = api.loom_sampler_create(&params);

  // Text mode streams the answer's text and stops at the end of the turn; id mode prints every id.
  std::optional<loom::tokenizer::StreamingDecoder> decoder;
  if (text) {
    outs() << "prompt: " << prompt.size() << (prompt.size() == 1 ? " token (" : " tokens (") << text->wrapping
           << ")\n\n";
    decoder.emplace(*text->tokenizer);
  } else {
    outs() << "prompt (" << prompt.size() << " tokens):";
    for (int32_t t : prompt)
      outs() << " " << t;
    outs() << "\ngenerated:";
  }
  outs().flush();
  auto stats = loom::generate(**loaded, *cache, prompt, toGenerate, sampler, [&](int32_t token) {
    if (text) {
      if (text->tokenizer->isEndOfGeneration(token))
        return false;
      outs() << decoder->push(token);
    } else {
      outs() << " " << token;
    }
    outs().flush();
    return true;
  });
  outs() << (decoder ? decoder->finish() + "\n\n" : std::string("\n"));
  api.loom_sampler_free(sampler);
  if (!stats)
    return loom::reportError(stats.takeError());
  outs() << format("prefill: %.1f tokens/s (%lld tokens in %.3f s)\n", stats->prefillTokensPerSecond(),
                   static_cast<long long>(stats->promptTokens), stats->prefillSeconds)
         << format("decode:  %.1f tokens/s (%lld tokens in %.3f s)\n", stats->decodeTokensPerSecond(),
                   static_cast<long long>(stats->generatedTokens - 1), stats->decodeSeconds)
         << loom::peakMemoryLine(api.loom_kv_cache_bytes(*cache), info.activation_bytes);
  return 0;
}
} // namespace

loom::Command loom::runCommand() { return {sub, run}; }
