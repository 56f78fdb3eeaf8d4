//===- GgufWriterTool.cpp - Matching safetensors and GGUF checkpoints -----===//
//
//   loom-gguf-writer MODEL.so PREFIX [options]
//
// Writes PREFIX.safetensors and PREFIX.gguf holding the same seeded random
// weights for every tensor of the compiled model's manifest (read through the
// C API, as any user program would): safetensors with Loom's names and shapes,
// GGUF with llama.cpp's names, dims innermost first, and the metadata of a
// llama-family model that `loom import` reads. The lit tests use it to check
// that a model gives the same logits from either file.
//
// Options: --arch A (qwen3), --name N, --heads H, --kv-heads K, --head-dim D,
// --eps E, --theta T, --type f32|f16|bf16 (matrices; vectors are F32),
// --seed S, --version 2|3, --extra NAME (an extra 4-element F32 tensor),
// --skip NAME (a manifest tensor left out of the GGUF file).
//
//===----------------------------------------------------------------------===//

#include "Gguf.h"
#include "GgufWriter.h"
#include "SafetensorsWriter.h"
#include "loom/loom.h"

#include <cstdio>
#include <cstdlib>
#include <dlfcn.h>
#include <fstream>
#include <map>
#include <string>
#include <vector>

using namespace loom::test;

namespace {

int usage(const char *message) {
  std::fprintf(stderr, "loom-gguf-writer: %s\nusage: loom-gguf-writer MODEL.so PREFIX [--arch A] [--name N] "
                       "[--heads H] [--kv-heads K] [--head-dim D] [--eps E] [--theta T] [--type f32|f16|bf16] "
                       "[--seed S] [--version V] [--extra NAME] [--skip NAME]\n",
               message);
  return 2;
}

/// splitmix64: small, seedable, the same on every platform.
struct Random {
  uint64_t state;
  uint64_t next() {
    uint64_t z = (state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
  /// Uniform in [-1, 1), a multiple of 2^-12 (exact in F16 and BF16 near 1).
  float uniform() { return float(int64_t(next() >> 51) - 4096) / 4096.0f; }
};

bool writeFile(const std::string &path, const std::string &contents) {
  std::ofstream out(path, std::ios::binary);
  out.write(contents.data(), std::streamsize(contents.size()));
  return out.good();
}

template <typename F>
F symbol(void *library, const char *name) {
  return reinterpret_cast<F>(dlsym(library, name));
}

} // namespace

int main(int argc, char **argv) {
  if (argc < 3)
    return usage("expected MODEL.so and PREFIX");
  const std::string libraryPath = argv[1], prefix = argv[2];
  std::map<std::string, std::string> options = {{"--arch", "qwen3"}, {"--heads", "4"},  {"--kv-heads", "2"},
                                                {"--head-dim", "32"}, {"--eps", "1e-6"}, {"--theta", "1000000"},
                                                {"--type", "f32"},    {"--seed", "1"},   {"--version", "3"},
                                                {"--name", ""},       {"--extra", ""},   {"--skip", ""}};
  for (int i = 3; i < argc; i += 2) {
    if (!options.count(argv[i]) || i + 1 >= argc)
      return usage((std::string("bad option ") + argv[i]).c_str());
    options[argv[i]] = argv[i + 1];
  }
  const std::string type = options["--type"];
  if (type != "f32" && type != "f16" && type != "bf16")
    return usage("--type must be f32, f16 or bf16");

  // A bare file name is relative to the working directory, not a library to search for.
  const std::string openPath = libraryPath.find('/') == std::string::npos ? "./" + libraryPath : libraryPath;
  void *library = dlopen(openPath.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!library)
    return usage(dlerror());
  auto create = symbol<decltype(&loom_model_create)>(library, "loom_model_create");
  auto info = symbol<decltype(&loom_model_get_info)>(library, "loom_model_get_info");
  auto weightName = symbol<decltype(&loom_model_weight_name)>(library, "loom_model_weight_name");
  auto weightShape = symbol<decltype(&loom_model_weight_shape)>(library, "loom_model_weight_shape");
  auto lastError = symbol<decltype(&loom_last_error)>(library, "loom_last_error");
  auto destroy = symbol<decltype(&loom_model_free)>(library, "loom_model_free");
  if (!create || !info || !weightName || !weightShape || !lastError || !destroy)
    return usage("not a Loom model library");
  loom_model *model = create();
  if (!model)
    return usage(lastError());
  loom_model_info modelInfo;
  info(model, &modelInfo);

  const std::string arch = options["--arch"];
  gguf::Builder builder;
  builder.version = uint32_t(std::stoul(options["--version"]));
  builder.string("general.architecture", arch);
  builder.string("general.name", options["--name"].empty() ? modelInfo.arch_name : options["--name"]);
  builder.u32("general.alignment", 32);
  builder.kv("general.file_type", gguf::kUint32, gguf::le<uint32_t>(type == "f32" ? 0 : type == "f16" ? 1 : 32));
  builder.u32(arch + ".block_count", uint32_t(modelInfo.n_layers));
  builder.kv(arch + ".context_length", gguf::kUint64, gguf::le<uint64_t>(uint64_t(modelInfo.max_context)));
  builder.u32(arch + ".embedding_length", uint32_t(modelInfo.d_model));
  builder.u32(arch + ".attention.head_count", uint32_t(std::stoul(options["--heads"])));
  builder.u32(arch + ".attention.head_count_kv", uint32_t(std::stoul(options["--kv-heads"])));
  builder.u32(arch + ".attention.key_length", uint32_t(std::stoul(options["--head-dim"])));
  builder.u32(arch + ".attention.value_length", uint32_t(std::stoul(options["--head-dim"])));
  builder.u32(arch + ".rope.dimension_count", uint32_t(std::stoul(options["--head-dim"])));
  builder.f32(arch + ".attention.layer_norm_rms_epsilon", std::stof(options["--eps"]));
  builder.f32(arch + ".rope.freq_base", std::stof(options["--theta"]));
  builder.string("tokenizer.ggml.model", "gpt2");
  std::vector<std::string> tokens;
  for (int64_t t = 0; t < modelInfo.vocab; ++t)
    tokens.push_back("<t" + std::to_string(t) + ">");
  builder.kv("tokenizer.ggml.tokens", gguf::kArray, gguf::stringArray(tokens));
  builder.kv("tokenizer.ggml.add_bos_token", gguf::kBool, gguf::le<uint8_t>(0));

  Random random{std::stoull(options["--seed"])};
  std::vector<TensorBlob> safetensors;
  for (int64_t i = 0; i < modelInfo.n_weights; ++i) {
    const std::string name = weightName(model, i);
    int64_t shape[4]; // loom_model_weight_shape writes at most 4
    const int64_t rank = weightShape(model, i, shape);
    size_t elements = 1;
    for (int64_t d = 0; d < rank; ++d)
      elements *= size_t(shape[d]);
    const bool isNorm = rank == 1 && name.size() > 11 && name.compare(name.size() - 11, 11, "norm.weight") == 0;
    std::vector<float> values(elements);
    for (float &value : values)
      value = isNorm ? 1.0f + random.uniform() / 8 : random.uniform() / 8;
    // The FFN width, for the metadata.
    if (name == "layers.0.ffn.up_proj.weight")
      builder.u32(arch + ".feed_forward_length", uint32_t(shape[0]));

    const bool matrix = rank == 2;
    std::string bytes = !matrix || type == "f32" ? gguf::f32Data(values)
                        : type == "f16"          ? gguf::f16Data(values)
                                                 : gguf::bf16Data(values);
    const std::string dtype = !matrix || type == "f32" ? "F32" : type == "f16" ? "F16" : "BF16";
    safetensors.push_back({name, dtype, std::vector<int64_t>(shape, shape + rank), bytes});

    std::string ggufName;
    if (!loom::rt::loomToGgufName(name, ggufName))
      return usage(("weight '" + name + "' has no GGUF name").c_str());
    if (ggufName == options["--skip"])
      continue;
    std::vector<uint64_t> dims;
    for (int64_t d = rank - 1; d >= 0; --d)
      dims.push_back(uint64_t(shape[d]));
    const uint32_t ggmlType = !matrix || type == "f32" ? gguf::kF32 : type == "f16" ? gguf::kF16 : gguf::kBF16;
    builder.tensor({ggufName, dims, ggmlType, bytes});
  }
  if (!options["--extra"].empty())
    builder.tensor({options["--extra"], {4}, gguf::kF32, gguf::f32Data({1, 2, 3, 4})});

  destroy(model);
  if (!writeFile(prefix + ".safetensors", safetensorsFile(safetensors)) ||
      !writeFile(prefix + ".gguf", builder.build()))
    return usage(("cannot write " + prefix + ".*").c_str());
  return 0;
}
