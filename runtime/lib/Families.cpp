//===- Families.cpp - The model families and their name tables ------------===//

#include "Family.h"
#include "HfNames.h"
#include "LayerName.h"

namespace loom::rt {

extern const Family kGpt2Family, kLlamaFamily, kMistralFamily, kQwen2Family, kQwen3Family, kQwen3MoeFamily,
    kQwen3NextFamily, kDeepSeekV3Family, kKimiK2Family, kMistral4Family, kGptOssFamily, kGemma3Family, kOlmo2Family,
    kOlmo3Family, kSmolLM3Family, kExaone4Family, kGlm4MoeFamily, kMiniMaxM2Family, kLlama4Family,
    kAfmoeFamily, kMiMoV2FlashFamily;

namespace {

/// Every family of families/, one file each; a new one adds its line here (in the order messages list them).
const Family *const kFamilies[] = {&kGpt2Family,     &kLlamaFamily,    &kMistralFamily,   &kQwen2Family,
                                   &kQwen3Family,    &kQwen3MoeFamily, &kQwen3NextFamily, &kDeepSeekV3Family,
                                   &kKimiK2Family,   &kMistral4Family, &kGptOssFamily,    &kGemma3Family,
                                   &kOlmo2Family,    &kOlmo3Family,    &kSmolLM3Family,   &kExaone4Family,
                                   &kGlm4MoeFamily,  &kMiniMaxM2Family, &kLlama4Family,   &kAfmoeFamily,
                                   &kMiMoV2FlashFamily};

bool startsWith(std::string_view text, std::string_view prefix) { return text.substr(0, prefix.size()) == prefix; }

/// A global transformers name as written (rooted), or without the root.
bool matchesGlobal(const Family &family, std::string_view name, std::string_view hf) {
  return name == hf || (startsWith(hf, family.hfRoot) && name == hf.substr(family.hfRoot.size()));
}

/// Splits a per-layer transformers name, rooted or not, into layer digits and rest.
bool splitHfLayer(const Family &family, std::string_view name, std::string_view &index, std::string_view &rest) {
  std::string rooted = std::string(family.hfRoot) + std::string(family.hfLayers);
  return splitLayerName(name, rooted, index, rest) || splitLayerName(name, family.hfLayers, index, rest);
}

/// Translates between the manifest and one other convention (`side` picks the name of a FamilyTensor).
template <typename Side>
bool toLoom(const Family &family, std::string_view name, std::string_view layerPrefix, Side side,
            const FamilyTensor *&found, std::string &loom) {
  for (const FamilyTensor &tensor : family.globals)
    if (!side(tensor).empty() && name == side(tensor)) {
      found = &tensor;
      loom = tensor.loom;
      return true;
    }
  std::string_view index, rest;
  if (!splitLayerName(name, layerPrefix, index, rest))
    return false;
  for (const FamilyTensor &tensor : family.layers)
    if (!side(tensor).empty() && rest == side(tensor)) {
      found = &tensor;
      loom = "layers." + std::string(index) + "." + std::string(tensor.loom);
      return true;
    }
  return false;
}

template <typename Side>
bool fromLoom(const Family &family, std::string_view loom, std::string_view layerPrefix, Side side,
              std::string &out) {
  for (const FamilyTensor &tensor : family.globals)
    if (loom == tensor.loom && !side(tensor).empty()) {
      out = side(tensor);
      return true;
    }
  std::string_view index, rest;
  if (!splitLayerName(loom, "layers.", index, rest))
    return false;
  for (const FamilyTensor &tensor : family.layers)
    if (rest == tensor.loom && !side(tensor).empty()) {
      out = std::string(layerPrefix) + std::string(index) + "." + std::string(side(tensor));
      return true;
    }
  return false;
}

std::string_view ggufSide(const FamilyTensor &t) { return t.gguf; }

/// Whether `name` is an own tensor's name `pattern`, in which a "*" stands for an expert's index (MiniMax-M2's
/// per-expert tensors): its digits, kept as written so that the stacking (StackedWeights.h) sees an index spelled
/// twice, go to `expert`. A pattern without "*" matches itself only.
bool matchOwnName(std::string_view pattern, std::string_view name, std::string_view &expert) {
  size_t star = pattern.find('*');
  if (star == std::string_view::npos)
    return name == pattern;
  std::string_view head = pattern.substr(0, star), tail = pattern.substr(star + 1);
  if (name.size() <= head.size() + tail.size() || name.substr(0, head.size()) != head ||
      name.substr(name.size() - tail.size()) != tail)
    return false;
  expert = name.substr(head.size(), name.size() - head.size() - tail.size());
  return expert.size() <= 9 && expert.find_first_not_of("0123456789") == std::string_view::npos;
}

/// `pattern` with its "*" (if any) replaced by `expert`.
std::string fillOwnName(std::string_view pattern, std::string_view expert) {
  std::string name(pattern);
  if (size_t star = name.find('*'); star != std::string::npos)
    name.replace(star, 1, expert);
  return name;
}

/// The manifest side of an own tensor, for messages: a per-expert name as it is, or the stacked weight
/// ("ffn.experts.gate_proj.weight") of a per-expert pattern, whose transformers name then shows "<e>".
bool matchOwnLoomName(std::string_view pattern, std::string_view loom, std::string &expert) {
  std::string_view digits;
  if (matchOwnName(pattern, loom, digits)) {
    expert = digits;
    return true;
  }
  size_t star = pattern.find('*');
  if (star == std::string_view::npos || star + 1 >= pattern.size() || pattern[star + 1] != '.')
    return false;
  if (loom != std::string(pattern.substr(0, star)) + std::string(pattern.substr(star + 2)))
    return false;
  expert = "<e>";
  return true;
}

} // namespace

const Family *familyOfConfig(std::string_view modelType) {
  for (const Family *family : kFamilies)
    if (!family->configType.empty() && family->configType == modelType)
      return family;
  return nullptr;
}

const Family *familyOfGguf(std::string_view arch) {
  for (const Family *family : kFamilies)
    if (!family->ggufArch.empty() && family->ggufArch == arch)
      return family;
  return nullptr;
}

std::string supportedFamilies(bool gguf) {
  std::vector<std::string_view> names;
  for (const Family *family : kFamilies)
    if (std::string_view name = gguf ? family->ggufArch : family->configType; !name.empty())
      names.push_back(name);
  std::string text;
  for (size_t i = 0; i < names.size(); ++i) {
    if (i > 0)
      text += i + 1 == names.size() ? " and " : ", ";
    text += names[i];
  }
  return text;
}

const Family *detectHfFamily(const std::vector<std::string_view> &names) {
  for (const Family *family : kFamilies)
    for (const FamilyTensor &tensor : family->globals)
      if (tensor.loom == "embedding.weight")
        for (std::string_view name : names)
          if (matchesGlobal(*family, name, tensor.hf))
            return family;
  return nullptr;
}

bool familyHfToLoom(const Family &family, std::string_view hf, std::string &loom, TensorTransform &transform,
                    bool &buffer) {
  buffer = false;
  for (const FamilyTensor &tensor : family.globals)
    if (!tensor.hf.empty() && matchesGlobal(family, hf, tensor.hf)) {
      loom = tensor.loom;
      transform = tensor.hfTransform;
      return true;
    }
  std::string_view index, rest;
  if (!splitHfLayer(family, hf, index, rest))
    return false;
  for (std::string_view name : family.hfBuffers)
    if (rest == name) {
      buffer = true;
      return false;
    }
  for (const FamilyTensor &tensor : family.layers)
    if (rest == tensor.hf) {
      loom = "layers." + std::string(index) + "." + std::string(tensor.loom);
      transform = tensor.hfTransform;
      return true;
    }
  return false;
}

bool familyLoomToHf(const Family &family, std::string_view loom, std::string &hf) {
  std::string prefix = std::string(family.hfRoot) + std::string(family.hfLayers);
  return fromLoom(family, loom, prefix, [](const FamilyTensor &t) { return t.hf; }, hf);
}

const Family *detectHfDecoderFamily(const std::vector<std::string_view> &names) {
  for (const Family *family : kFamilies)
    if (!family->ownLayerTensors.empty())
      for (std::string_view name : names) {
        std::string loom;
        if (familyOwnHfToLoom(*family, name, loom) && !hfToLoomName(name, HfNormNaming::PreFeedForward, loom))
          return family;
      }
  return nullptr;
}

const FamilyTensor *familyOwnHfToLoom(const Family &family, std::string_view hf, std::string &loom) {
  std::string_view index, rest;
  if (!splitLayerName(hf, "model.layers.", index, rest))
    return nullptr;
  std::string_view expert;
  for (const FamilyTensor &tensor : family.ownLayerTensors)
    if (!tensor.hf.empty() && matchOwnName(tensor.hf, rest, expert)) {
      loom = "layers." + std::string(index) + "." + fillOwnName(tensor.loom, expert);
      return &tensor;
    }
  return nullptr;
}

bool familyOwnLoomToHf(const Family &family, std::string_view loom, std::string &hf) {
  std::string_view index, rest;
  if (!splitLayerName(loom, "layers.", index, rest))
    return false;
  std::string expert;
  for (const FamilyTensor &tensor : family.ownLayerTensors)
    if (!tensor.hf.empty() && matchOwnLoomName(tensor.loom, rest, expert)) {
      hf = "model.layers." + std::string(index) + "." + fillOwnName(tensor.hf, expert);
      return true;
    }
  return false;
}

bool familyOwnGgufToLoom(const Family &family, std::string_view gguf, std::string &loom) {
  std::string_view index, rest;
  if (!splitLayerName(gguf, "blk.", index, rest))
    return false;
  for (const FamilyTensor &tensor : family.ownLayerTensors)
    if (!tensor.gguf.empty() && rest == tensor.gguf) {
      loom = "layers." + std::string(index) + "." + std::string(tensor.loom);
      return true;
    }
  return false;
}

bool familyOwnLoomToGguf(const Family &family, std::string_view loom, std::string &gguf) {
  std::string_view index, rest;
  if (!splitLayerName(loom, "layers.", index, rest))
    return false;
  for (const FamilyTensor &tensor : family.ownLayerTensors)
    if (rest == tensor.loom && !tensor.gguf.empty()) {
      gguf = "blk." + std::string(index) + "." + std::string(tensor.gguf);
      return true;
    }
  return false;
}

bool familyGgufToLoom(const Family &family, std::string_view gguf, std::string &loom) {
  const FamilyTensor *found = nullptr;
  return toLoom(family, gguf, "blk.", ggufSide, found, loom);
}

bool familyLoomToGguf(const Family &family, std::string_view loom, std::string &gguf) {
  return fromLoom(family, loom, "blk.", ggufSide, gguf);
}

} // namespace loom::rt
