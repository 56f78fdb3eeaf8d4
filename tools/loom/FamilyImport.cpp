//===- FamilyImport.cpp - `loom import` for declared families -------------===//
//
// A family declared in runtime/lib/families says which config.json and GGUF
// metadata keys hold each hyper-parameter, which config values it cannot
// model, and the spec they fill in (Family.h). This file reads those keys;
// the filled-in spec is then checked by the frontend, so a value the spec
// rejects (say, a width not divisible by the head count) fails the import
// rather than the first use of the spec.
//
//===----------------------------------------------------------------------===//
#include "FamilyImport.h"

#include "Family.h"
#include "Gguf.h"
#include "ImportKeys.h"
#include "loom/Frontend/Frontend.h"
#include "loom/loom.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/SourceMgr.h"

#include <map>

using namespace llvm;
namespace rt = loom::rt;
namespace importkeys = loom::importkeys;
using loom::rt::Family;
using loom::rt::FamilyKey;
using loom::rt::KeyKind;

namespace {

/// The spec text of each key, by its placeholder name.
using KeyValues = std::map<std::string, std::string, std::less<>>;

Error keyError(StringRef path, const Twine &message) {
  return createStringError("'%s': %s", path.str().c_str(), message.str().c_str());
}

/// A value in the spec's terms, or an error naming `what` (the key as the file spells it).
Expected<std::string> specValue(const FamilyKey &key, std::optional<int64_t> integer, std::optional<double> real,
                                std::optional<bool> boolean, StringRef path, const Twine &what) {
  switch (key.kind) {
  case KeyKind::Integer:
    if (!integer || *integer <= 0)
      return keyError(path, what + " must be a positive integer");
    return std::to_string(*integer);
  case KeyKind::Real:
    if (!real || !(*real > 0))
      return keyError(path, what + " must be a positive number");
    return loom::specReal(*real, false);
  case KeyKind::Boolean:
    if (!boolean)
      return keyError(path, what + " must be true or false");
    return std::string(*boolean ? "true" : "false");
  }
  llvm_unreachable("unknown key kind");
}

/// PreTrainedConfig's own keys that never change the computation, or only when set (then an error naming
/// them): the rows of ImportKeys.h that hold for every family.
const importkeys::KeyRule *genericRule(StringRef key) {
  const importkeys::KeyRule *rule =
      importkeys::findRule(/*family=*/nullptr, /*gguf=*/false, importkeys::kSharedConfigKeys, key);
  return rule && rule->use != importkeys::KeyUse::Modelled ? rule : nullptr;
}

/// Every config key is one the family reads, a fixed key at an accepted value, harmless, or vouched for
/// with --ignore-key (then a note); each other key is an error, and all of them are reported.
Error checkConfigKeys(const Family &family, const json::Object &config, StringRef path,
                      ArrayRef<std::string> ignored, std::vector<std::string> &notes) {
  auto known = [&](StringRef key) {
    return any_of(family.keys, [&](const FamilyKey &k) { return !k.hf.empty() && key == StringRef(k.hf); }) ||
           any_of(family.fixedKeys, [&](const rt::FamilyFixedKey &k) { return key == StringRef(k.hf); }) ||
           any_of(family.hfHarmless, [&](std::string_view k) { return key == StringRef(k); }) || key == "model_type" ||
           key == "architectures";
  };
  std::vector<StringRef> keys;
  for (const auto &entry : config)
    keys.push_back(entry.getFirst());
  sort(keys); // errors in the same order whatever the object's hash order
  Error errors = Error::success();
  for (StringRef key : keys) {
    const json::Value &value = *config.get(key);
    if (known(key))
      continue;
    if (const importkeys::KeyRule *rule = genericRule(key)) {
      if (rule->use == importkeys::KeyUse::NeutralOnly && !importkeys::isNeutral(value))
        errors = joinErrors(std::move(errors), importkeys::notModelled(path, key, value, *rule));
      continue;
    }
    if (is_contained(ignored, key)) {
      notes.push_back(("\"" + key + "\" (" + importkeys::shortJson(value) + ") is ignored at the user's request").str());
      continue;
    }
    errors = joinErrors(std::move(errors),
                        keyError(path, formatv("\"{0}\" is not a key loom import knows for {1}, so it cannot tell "
                                               "whether it changes the computation; if it does not, pass "
                                               "--ignore-key={0}",
                                               key, family.displayName())));
  }
  for (const rt::FamilyFixedKey &fixed : family.fixedKeys) {
    const json::Value *value = config.get(fixed.hf);
    if (!value || value->kind() == json::Value::Null)
      continue;
    std::string text = formatv("{0}", *value).str();
    SmallVector<StringRef, 4> accepted;
    StringRef(fixed.accepted).split(accepted, ' ');
    if (!is_contained(accepted, text))
      errors = joinErrors(std::move(errors),
                          keyError(path, formatv("\"{0}\" is {1}, which asks for {2}: Loom's {3} spec needs {4}",
                                                 fixed.hf, text, fixed.why, family.displayName(), fixed.accepted)));
  }
  return errors;
}

/// The family's GGUF metadata keys, and those of every file (general.*, tokenizer.*); others as for
/// config keys.
Error checkGgufKeys(const Family &family, const rt::GgufFile &file, StringRef path, ArrayRef<std::string> ignored,
                    std::vector<std::string> &notes) {
  std::string prefix = std::string(family.ggufArch) + ".";
  Error errors = Error::success();
  for (const rt::GgufKeyValue &entry : file.metadata()) {
    StringRef key(entry.key.data(), entry.key.size());
    if (any_of(importkeys::kGgufHarmlessPrefixes, [&](StringRef p) { return key.starts_with(p); }))
      continue;
    bool known = key.starts_with(prefix) && any_of(family.keys, [&](const FamilyKey &k) {
                   return !k.gguf.empty() && key.drop_front(prefix.size()) == StringRef(k.gguf);
                 });
    if (known)
      continue;
    if (is_contained(ignored, key)) {
      notes.push_back(("'" + key + "' is ignored at the user's request").str());
      continue;
    }
    errors = joinErrors(std::move(errors),
                        keyError(path, formatv("metadata key '{0}' is not one loom import knows for {1}, so it "
                                               "cannot tell whether it changes the computation; if it does not, "
                                               "pass --ignore-key={0}",
                                               key, family.displayName())));
  }
  return errors;
}

Expected<KeyValues> configValues(const Family &family, const json::Object &config, StringRef path) {
  KeyValues values;
  for (const FamilyKey &key : family.keys) {
    const json::Value *value = key.hf.empty() ? nullptr : config.get(key.hf);
    std::string what = "\"" + std::string(key.hf) + "\"";
    if (!value || value->kind() == json::Value::Null) {
      if (key.fallback.empty())
        return keyError(path, what + " is missing");
      values[std::string(key.spec)] = key.fallback;
      continue;
    }
    Expected<std::string> text =
        specValue(key, value->getAsInteger(), value->getAsNumber(), value->getAsBoolean(), path, what);
    if (!text)
      return text.takeError();
    values[std::string(key.spec)] = *text;
  }
  return values;
}

Expected<KeyValues> ggufValues(const Family &family, const rt::GgufFile &file, StringRef path) {
  KeyValues values;
  for (const FamilyKey &key : family.keys) {
    if (key.gguf.empty())
      continue;
    std::string full = std::string(family.ggufArch) + "." + std::string(key.gguf);
    const rt::GgufValue *value = file.find(full);
    if (!value) {
      if (key.fallback.empty())
        return keyError(path, "metadata key '" + full + "' is missing");
      values[std::string(key.spec)] = key.fallback;
      continue;
    }
    uint64_t unsignedValue = 0;
    double realValue = 0;
    std::optional<int64_t> integer;
    if (value->toUnsigned(unsignedValue) && unsignedValue <= uint64_t(INT64_MAX))
      integer = int64_t(unsignedValue);
    std::optional<double> real = value->toDouble(realValue) ? std::optional<double>(realValue) : std::nullopt;
    std::optional<bool> boolean;
    if (value->type == rt::GgufValueType::Bool)
      boolean = unsignedValue != 0;
    Expected<std::string> text = specValue(key, integer, real, boolean, path, "metadata key '" + full + "'");
    if (!text)
      return text.takeError();
    if (key.kind == KeyKind::Real && value->type == rt::GgufValueType::Float32)
      *text = loom::specReal(realValue, true);
    values[std::string(key.spec)] = *text;
  }
  // Not metadata in llama.cpp's files: the vocabulary is the tokenizer's list (else the embedding's rows),
  // and the LM head is tied when there is no output matrix.
  const rt::GgufValue *tokens = file.find("tokenizer.ggml.tokens");
  const rt::GgufTensor *embedding = file.findTensor("token_embd.weight");
  if (tokens && tokens->isArray())
    values["vocab"] = std::to_string(tokens->count);
  else if (embedding && embedding->nDims == 2)
    values["vocab"] = std::to_string(embedding->dims[1]);
  else
    return keyError(path, "neither tokenizer.ggml.tokens nor token_embd.weight gives the vocabulary size");
  values["tie_embeddings"] = file.findTensor("output.weight") ? "false" : "true";
  return values;
}

Expected<std::string> fillSpec(const Family &family, const KeyValues &values, StringRef name, StringRef path,
                               const std::vector<std::string> &notes) {
  std::string text = ("// Imported by `loom import` from " + sys::path::filename(path) + " (" +
                      StringRef(family.displayName()) + ").\n")
                         .str();
  for (const std::string &note : notes)
    text += "// Note: " + note + "\n";
  StringRef rest = family.specTemplate;
  while (!rest.empty()) {
    size_t open = rest.find('{');
    size_t close = open == StringRef::npos ? StringRef::npos : rest.find('}', open);
    StringRef placeholder = close == StringRef::npos ? StringRef() : rest.slice(open + 1, close);
    bool known = placeholder == "name" || values.count(placeholder);
    if (!known || placeholder.empty() || placeholder.contains(' ')) { // a brace of the spec itself
      size_t upto = open == StringRef::npos ? rest.size() : open + 1;
      text += rest.take_front(upto);
      rest = rest.drop_front(upto);
      continue;
    }
    text += rest.take_front(open);
    text += placeholder == "name" ? name.str() : values.find(placeholder)->second;
    rest = rest.drop_front(close + 1);
  }
  SourceMgr sm;
  if (!loom::parseSpecBuffer(text, (path + " (imported spec)").str(), sm))
    return keyError(path, "the imported " + StringRef(family.displayName()) + " spec does not check (errors above)");
  return text;
}

/// "GPT2" from "GPT2LMHeadModel".
std::string configName(const json::Object &config, const Family &family) {
  if (const json::Array *architectures = config.getArray("architectures"))
    if (!architectures->empty())
      if (std::optional<StringRef> first = (*architectures)[0].getAsString()) {
        StringRef base = *first;
        if (!base.consume_back("LMHeadModel"))
          base.consume_back("ForCausalLM");
        if (!base.empty())
          return base.str();
      }
  return std::string(family.displayName());
}

} // namespace

Expected<std::optional<std::string>> loom::importFamilySpec(const std::string &path,
                                                            const std::string &architectureName,
                                                            ArrayRef<std::string> ignoredKeys,
                                                            std::vector<std::string> &notes) {
  if (rt::isGgufFile(path)) {
    rt::GgufFile file;
    if (!file.open(path))
      return createStringError(Twine(loom_last_error()));
    const rt::GgufValue *arch = file.find("general.architecture");
    const Family *family =
        arch && arch->type == rt::GgufValueType::String ? rt::familyOfGguf(arch->string) : nullptr;
    if (!family || !family->declaresSpec())
      return std::nullopt;
    if (Error err = checkGgufKeys(*family, file, path, ignoredKeys, notes))
      return std::move(err);
    Expected<KeyValues> values = ggufValues(*family, file, path);
    if (!values)
      return values.takeError();
    std::string name = architectureName;
    if (const rt::GgufValue *general = file.find("general.name");
        name.empty() && general && general->type == rt::GgufValueType::String && !general->string.empty())
      name = std::string(general->string);
    return fillSpec(*family, *values, specIdentifier(name.empty() ? StringRef(family->ggufArch) : StringRef(name)),
                    path, notes);
  }
  // Anything else is a config.json, which Importer.cpp reports on when it is not one of these families.
  auto buffer = MemoryBuffer::getFile(path);
  if (!buffer)
    return std::nullopt;
  Expected<json::Value> parsed = json::parse((*buffer)->getBuffer());
  if (!parsed) {
    consumeError(parsed.takeError());
    return std::nullopt;
  }
  const json::Object *config = parsed->getAsObject();
  std::optional<StringRef> modelType = config ? config->getString("model_type") : std::nullopt;
  const Family *family = modelType ? rt::familyOfConfig(*modelType) : nullptr;
  if (!family || !family->declaresSpec())
    return std::nullopt;
  if (Error err = checkConfigKeys(*family, *config, path, ignoredKeys, notes))
    return std::move(err);
  Expected<KeyValues> values = configValues(*family, *config, path);
  if (!values)
    return values.takeError();
  std::string name = architectureName.empty() ? configName(*config, *family) : architectureName;
  return fillSpec(*family, *values, specIdentifier(name), path, notes);
}
