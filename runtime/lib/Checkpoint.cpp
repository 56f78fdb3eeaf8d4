//===- Checkpoint.cpp - Loading manifest weights from checkpoints ---------===//

#include "Checkpoint.h"
#include "Error.h"
#include "Family.h"
#include "FusedWeights.h"
#include "Gguf.h"
#include "HfNames.h"
#include "Json.h"
#include "LatentWeights.h"
#include "LayerName.h"
#include "QkLayout.h"
#include "RopeFreqs.h"
#include "Safetensors.h"
#include "Shape.h"
#include "StackedWeights.h"

#include <algorithm>
#include <cstring>
#include <map>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

using namespace loom::rt;

namespace {

/// How many unexpected tensor names an error message lists.
constexpr size_t kListedExtras = 3;

/// Where a tensor of the checkpoint lives.
struct TensorLocation {
  const SafetensorsTensor *tensor;
  size_t file;          ///< Index into the opened files.
  int64_t firstRow = 0; ///< A run of rows of a fused tensor (FusedWeights.h); rows < 0: all of it.
  int64_t rows = -1;
  int64_t experts = 0;  ///< > 0: the run is of each expert's rows of a stacked tensor (FusedPart::experts).
  bool transposed = false; ///< The file stores the weight's transpose, expert by expert (Family.h): rows are columns.
  bool interleaved = false; ///< The fused tensor's parts alternate (FamilyTensor::hfInterleaved).
  int64_t block = 0;        ///< > 0: the parts alternate in runs of this many rows (FusedPart::block).
};

/// The shape `rows` of `shape` stand for (all of it when rows < 0), rows of each expert when experts > 0.
std::vector<int64_t> rowsShape(std::vector<int64_t> shape, int64_t rows, int64_t experts) {
  const size_t axis = experts > 0 ? 1 : 0;
  if (rows >= 0 && shape.size() > axis)
    shape[axis] = rows;
  return shape;
}

/// The weight's shape as the file stores it: transposed back (each expert's matrix), and narrowed to the
/// location's rows.
std::vector<int64_t> weightShape(const TensorLocation &location) {
  std::vector<int64_t> shape = location.tensor->shape;
  if (location.transposed)
    std::swap(shape[shape.size() - 2], shape[shape.size() - 1]);
  return rowsShape(std::move(shape), location.rows, location.experts);
}

/// Whether a location's elements are not the weight's in order: a stack of experts each stored transposed, or
/// a part of a fused tensor whose parts alternate. (A transposed matrix has WeightStore::setTransposed.)
bool needsGather(const TensorLocation &location) {
  return (location.transposed && location.tensor->shape.size() == 3) ||
         ((location.interleaved || location.block > 0) && location.rows >= 0);
}

/// Where such a location's elements lie in its tensor: the weight is [E, rows, columns] (E and columns 1 where it
/// has no such dimension), the tensor's dimensions the same with the last two swapped when transposed, and a
/// part's rows a run, or every n-th row from row k for part k of n interleaved ones, or every n-th run of `block`
/// rows from run k for parts alternating head by head.
bool gatherOf(const TensorLocation &location, const std::string &file, ElementGather &gather) {
  std::vector<int64_t> shape = location.tensor->shape;
  std::vector<size_t> strides(shape.size());
  size_t stride = 1;
  for (size_t d = shape.size(); d-- > 0;) {
    strides[d] = stride;
    stride *= size_t(shape[d]);
  }
  if (location.transposed) {
    std::swap(shape[shape.size() - 2], shape[shape.size() - 1]);
    std::swap(strides[strides.size() - 2], strides[strides.size() - 1]);
  }
  const bool stacked = shape.size() == 3 || location.experts > 0;
  const size_t rowAxis = stacked ? 1 : 0, columnAxis = rowAxis + 1;
  gather.experts = stacked ? shape[0] : 1;
  gather.expert = stacked ? strides[0] : 0;
  gather.columns = columnAxis < shape.size() ? shape[columnAxis] : 1;
  gather.column = columnAxis < shape.size() ? strides[columnAxis] : 0;
  const int64_t fusedRows = shape[rowAxis];
  int64_t firstRow = 0, step = 1;
  gather.rows = fusedRows;
  if (location.block > 0) {
    // Each head of the part is `block` rows of one run; its heads are the gather's outer dimension.
    const int64_t block = location.block;
    if (stacked || location.rows <= 0 || location.rows % block != 0 || fusedRows % location.rows != 0 ||
        location.firstRow % location.rows != 0)
      return fail("'{}': tensor '{}' alternates its parts every {} rows, but its {} rows do not split into parts of {}",
                  file, location.tensor->name, block, fusedRows, location.rows);
    const int64_t parts = fusedRows / location.rows, part = location.firstRow / location.rows;
    gather.experts = location.rows / block;
    gather.expert = size_t(parts * block) * strides[rowAxis];
    gather.rows = block;
    gather.first = size_t(part * block) * strides[rowAxis];
    gather.row = strides[rowAxis];
    return true;
  }
  if (location.rows >= 0) {
    gather.rows = location.rows;
    firstRow = location.firstRow;
    if (location.interleaved) {
      if (location.rows == 0 || fusedRows % location.rows != 0 || location.firstRow % location.rows != 0)
        return fail("'{}': tensor '{}' interleaves its parts, so they must be of one size, but its {} rows do not "
                    "split into parts of {}",
                    file, location.tensor->name, fusedRows, location.rows);
      step = fusedRows / location.rows;
      firstRow = location.firstRow / location.rows;
    }
  }
  gather.first = size_t(firstRow) * strides[rowAxis];
  gather.row = size_t(step) * strides[rowAxis];
  return true;
}

/// The slices of a fused tensor's bytes that make part `location` (rows >= 0) of stacked experts: the same
/// run of rows of each expert, back to back.
std::vector<TensorSlice> expertRowSlices(const TensorLocation &location) {
  const SafetensorsTensor &tensor = *location.tensor;
  const size_t experts = size_t(location.experts), expertBytes = tensor.bytes / experts;
  const size_t rowBytes = expertBytes / size_t(tensor.shape[1]);
  std::vector<TensorSlice> slices;
  for (size_t e = 0; e < experts; ++e)
    slices.push_back(
        {&tensor, e * expertBytes + size_t(location.firstRow) * rowBytes, size_t(location.rows) * rowBytes});
  return slices;
}

/// Turns every fused tensor of `byName` whose parts the manifest wants into entries for the parts; returns
/// the fused names so consumed.
template <typename Location>
bool splitFused(const loom_model_desc &desc, std::unordered_map<std::string, Location> &byName,
                std::vector<int64_t> (*shapeOf)(const Location &), const std::string &file,
                std::unordered_set<std::string> &consumed) {
  std::vector<std::string> available;
  for (const auto &entry : byName)
    available.push_back(entry.first);
  std::sort(available.begin(), available.end()); // errors name the first fault, whatever the hash order
  struct Context {
    const std::unordered_map<std::string, Location> *byName;
    std::vector<int64_t> (*shapeOf)(const Location &);
  } context{&byName, shapeOf};
  auto fusedShape = [](const void *c, const std::string &name) {
    const auto *ctx = static_cast<const Context *>(c);
    return ctx->shapeOf(ctx->byName->at(name));
  };
  std::vector<FusedPart> parts;
  if (!planFusedParts(desc, available, fusedShape, &context, file, parts))
    return false;
  for (const FusedPart &part : parts) {
    Location location = byName.at(part.fused);
    location.firstRow = part.firstRow;
    location.rows = part.rows;
    location.experts = part.experts;
    location.block = part.block;
    byName.emplace(part.part, location);
    consumed.insert(part.fused);
  }
  return true;
}

/// The `weight_map` of a sharded checkpoint's index.
struct ShardIndex {
  std::vector<std::string> shards; ///< Distinct shard files, in order of first mention.
  std::vector<std::pair<std::string, size_t>> placements; ///< Tensor name -> index into shards.
};

bool endsWith(std::string_view text, std::string_view suffix) {
  return text.size() >= suffix.size() && text.substr(text.size() - suffix.size()) == suffix;
}

/// "dir/" for "dir/model.index.json"; "" for a bare file name.
std::string directoryOf(const std::string &path) {
  size_t slash = path.rfind('/');
  return slash == std::string::npos ? std::string() : path.substr(0, slash + 1);
}

bool readShardIndex(const std::string &path, ShardIndex &index) {
  MemoryMapping file;
  if (!file.mapFile(path.c_str()))
    return false;
  JsonValue root;
  JsonError error;
  std::string_view text(reinterpret_cast<const char *>(file.data()), file.size());
  if (!parseJson(text, root, error))
    return fail("'{}': invalid JSON at byte {}: {}", path, error.offset, error.message);
  const JsonValue *weightMap = root.isObject() ? root.find("weight_map") : nullptr;
  if (!weightMap || !weightMap->isObject())
    return fail("'{}': no \"weight_map\" object mapping tensor names to shard files", path);

  std::unordered_map<std::string_view, size_t> shardNumbers;
  for (const JsonValue::Member &member : weightMap->members()) {
    if (!member.second.isString() || member.second.string().empty())
      return fail("'{}': tensor '{}' is mapped to {}, expected a shard file name", path, member.first,
                  describeJsonKind(member.second.kind()));
    const std::string &shard = member.second.string();
    auto [it, inserted] = shardNumbers.try_emplace(shard, index.shards.size());
    if (inserted)
      index.shards.push_back(shard);
    index.placements.emplace_back(member.first, it->second);
  }
  return true;
}

/// Checks that the shards hold exactly the tensors the index places in them.
bool checkShardsMatchIndex(const std::string &indexPath, const ShardIndex &index,
                           const std::vector<SafetensorsFile> &files,
                           const std::unordered_map<std::string_view, TensorLocation> &tensors) {
  std::unordered_set<std::string_view> placed;
  for (const auto &[name, shard] : index.placements) {
    auto it = tensors.find(name);
    if (it == tensors.end() || it->second.file != shard)
      return fail("'{}': maps tensor '{}' to '{}', which does not contain it", indexPath, name,
                  index.shards[shard]);
    placed.insert(name);
  }
  for (const SafetensorsFile &file : files)
    for (const SafetensorsTensor &tensor : file.tensors())
      if (!placed.count(tensor.name))
        return fail("'{}': contains tensor '{}', which '{}' does not list", file.path(), tensor.name, indexPath);
  return true;
}

bool sameShape(const loom_weight_desc &weight, const std::vector<int64_t> &shape) {
  if (shape.size() != static_cast<size_t>(weight.rank))
    return false;
  for (size_t d = 0; d < shape.size(); ++d)
    if (shape[d] != weight.shape[d])
      return false;
  return true;
}

/// The checkpoint's tensors under their manifest names: Loom names as they are, transformers names
/// ("model.layers.0.self_attn.q_proj.weight") through HfNames.cpp. A name neither convention knows
/// stays as it is and is then reported as not in the model.
struct ManifestView {
  std::unordered_map<std::string, TensorLocation> byName;
  std::vector<std::vector<std::string>> names; ///< Per file, per tensor: its manifest name.
  std::unordered_set<std::string> consumed;    ///< Fused tensors split into manifest weights, experts stacked.
  /// Manifest weights stacked from one tensor per expert (StackedWeights.h): the experts' names in byName.
  std::unordered_map<std::string, std::vector<std::string>> stacked;
  bool transformers = false;                   ///< Some tensor has a transformers name.
  HfNormNaming naming = HfNormNaming::PreFeedForward;
  const Family *family = nullptr;              ///< A declared family's names (Family.h), if the file uses them.
  /// A decoder family whose own tensors (Family::ownLayerTensors) the file holds, if any.
  const Family *decoderFamily = nullptr;

  /// The transformers name of one of the decoder family's own tensors, or of the fused one of them that a
  /// manifest weight is a part of (gpt-oss's gate_up_proj for gate_proj).
  bool ownHfName(const std::string &manifestName, std::string &hf) const {
    std::string fused;
    return decoderFamily && (familyOwnLoomToHf(*decoderFamily, manifestName, hf) ||
                             (fusedNameOf(manifestName, fused) && familyOwnLoomToHf(*decoderFamily, fused, hf)));
  }

  /// "'layers.0.x' (Hugging Face 'model.layers.0.y')", or just the quoted name.
  std::string describe(const std::string &manifestName) const {
    std::string hf;
    bool named = family ? familyLoomToHf(*family, manifestName, hf)
                        : ownHfName(manifestName, hf) || loomToHfName(manifestName, naming, hf);
    // Where two transformers names stand for one weight (the shared expert's), the one the file uses.
    auto it = byName.find(manifestName);
    if (named && !family && it != byName.end() && it->second.rows < 0 && isHfName(it->second.tensor->name))
      hf = it->second.tensor->name;
    if (transformers && named && hf != manifestName)
      return "'" + manifestName + "' (Hugging Face '" + hf + "')";
    return "'" + manifestName + "'";
  }
};

bool buildManifestView(const loom_model_desc &desc, const std::string &path,
                       const std::vector<SafetensorsFile> &files, ManifestView &view) {
  std::vector<std::string_view> stored;
  for (const SafetensorsFile &file : files)
    for (const SafetensorsTensor &tensor : file.tensors())
      stored.push_back(tensor.name);
  // A multimodal checkpoint is read as its text model's: names as a text-only checkpoint has them, the vision
  // encoder and projector listed as used (they are not the spec's to check).
  bool multimodal = isHfMultimodal(stored);
  std::vector<std::vector<std::string>> textNames(files.size());
  std::vector<std::vector<bool>> vision(files.size());
  std::vector<std::string_view> all;
  for (size_t f = 0; f < files.size(); ++f)
    for (const SafetensorsTensor &tensor : files[f].tensors()) {
      std::string text = tensor.name;
      bool isVision = multimodal && hfMultimodalPart(tensor.name, text) == HfPart::Vision;
      textNames[f].push_back(std::move(text));
      vision[f].push_back(isVision);
    }
  for (size_t f = 0; f < files.size(); ++f)
    for (size_t i = 0; i < textNames[f].size(); ++i)
      if (!vision[f][i]) {
        all.push_back(textNames[f][i]);
        view.transformers |= textNames[f][i].rfind("model.", 0) == 0;
      }
  view.naming = detectHfNormNaming(all);
  view.family = detectHfFamily(all);
  view.decoderFamily = view.family ? nullptr : detectHfDecoderFamily(all);
  view.transformers |= view.family != nullptr;
  view.names.resize(files.size());
  for (size_t f = 0; f < files.size(); ++f)
    for (size_t i = 0; i < textNames[f].size(); ++i) {
      const SafetensorsTensor &tensor = files[f].tensors()[i];
      const std::string &hf = textNames[f][i];
      std::string name = hf;
      TensorTransform transform = TensorTransform::None;
      bool buffer = vision[f][i], interleaved = false;
      const FamilyTensor *own = nullptr;
      if (buffer)
        name = tensor.name;
      else if (view.family)
        familyHfToLoom(*view.family, hf, name, transform, buffer);
      else if (view.decoderFamily && (own = familyOwnHfToLoom(*view.decoderFamily, hf, name)))
        transform = own->hfTransform, interleaved = own->hfInterleaved;
      else if (view.transformers && isHfName(hf))
        hfToLoomName(hf, view.naming, name);
      if (buffer) { // not a weight: listed as used so that it is not reported as an extra
        view.consumed.insert(name);
        view.names[f].push_back(std::move(name));
        continue;
      }
      TensorLocation location{&tensor, f};
      location.transposed =
          transform == TensorTransform::Transpose && (tensor.shape.size() == 2 || tensor.shape.size() == 3);
      location.interleaved = interleaved;
      auto [it, inserted] = view.byName.try_emplace(name, location);
      if (!inserted)
        return fail("'{}': tensors '{}' and '{}' both stand for the model's '{}'", files[f].path(),
                    it->second.tensor->name, tensor.name, name);
      view.names[f].push_back(std::move(name));
    }
  if (!splitFused<TensorLocation>(desc, view.byName, weightShape, path, view.consumed))
    return false;

  std::map<std::string, StackSource> available;
  for (const auto &[name, location] : view.byName)
    available.emplace(name, StackSource{files[location.file].path(), location.tensor->name, weightShape(location),
                                        safetensorsDtypeName(location.tensor->dtype)});
  std::vector<StackedWeight> stacks;
  if (!planStackedWeights(desc, available, [&view](const std::string &name) { return view.describe(name); }, path,
                          stacks))
    return false;
  for (StackedWeight &stack : stacks) {
    view.consumed.insert(stack.experts.begin(), stack.experts.end());
    view.stacked.emplace(desc.weights[stack.weight].name, std::move(stack.experts));
  }
  return true;
}

/// Whether two tensors hold the same bytes in the same dtype and shape.
bool identical(const SafetensorsTensor &a, const SafetensorsTensor &b) {
  return a.dtype == b.dtype && a.shape == b.shape && a.bytes == b.bytes && std::memcmp(a.data, b.data, a.bytes) == 0;
}

/// Every manifest weight must be present with its shape, and nothing else. One exception: a
/// transformers checkpoint of a tied model may store lm_head.weight as a copy of the embedding; it is
/// ignored when it is an exact copy, and an error (the model is not tied) when it is not.
bool checkAgainstManifest(const loom_model_desc &desc, const std::string &path,
                          const std::vector<SafetensorsFile> &files, const ManifestView &view) {
  std::unordered_set<std::string_view> manifest;
  for (int64_t i = 0; i < desc.n_weights; ++i) {
    const loom_weight_desc &weight = desc.weights[i];
    manifest.insert(weight.name);
    if (view.stacked.count(weight.name)) // checked expert by expert (StackedWeights.h)
      continue;
    auto it = view.byName.find(weight.name);
    if (it == view.byName.end())
      return fail("'{}': missing tensor {} (expected shape {})", path, view.describe(weight.name),
                  formatShape(weight.shape, weight.rank));
    const std::vector<int64_t> shape = weightShape(it->second);
    const char *transposed = !it->second.transposed                ? ""
                             : it->second.tensor->shape.size() == 3 ? " (each expert transposed from [in, out])"
                                                                    : " (transposed from [in, out])";
    if (!sameShape(weight, shape))
      return fail("'{}': tensor {} has shape {}{} but the model expects {}", files[it->second.file].path(),
                  view.describe(weight.name), formatShape(shape.data(), shape.size()), transposed,
                  formatShape(weight.shape, weight.rank));
  }

  auto head = view.byName.find("lm_head.weight");
  auto embedding = view.byName.find("embedding.weight");
  bool tiedCopy = view.transformers && !manifest.count("lm_head.weight") && head != view.byName.end() &&
                  embedding != view.byName.end();
  if (tiedCopy && !identical(*head->second.tensor, *embedding->second.tensor))
    return fail("'{}': has an lm_head.weight that differs from the embedding, but the model ties its LM head to "
                "the embedding (tie_embeddings = true in the spec)",
                files[head->second.file].path());

  std::string listed;
  size_t extras = 0;
  for (size_t f = 0; f < files.size(); ++f)
    for (const std::string &name : view.names[f]) {
      if (manifest.count(name) || view.consumed.count(name) || (tiedCopy && name == "lm_head.weight"))
        continue;
      if (++extras <= kListedExtras)
        listed += (listed.empty() ? "" : ", ") + view.describe(name);
    }
  if (extras)
    return fail("'{}': {} tensor{} not in the model: {}{}", path, extras, extras == 1 ? " is" : "s are", listed,
                extras > kListedExtras ? ", ..." : "");
  return true;
}

/// The rows of a GGUF tensor, its outermost dimension (ggml lists dimensions innermost first): a matrix's
/// rows, a vector's elements (a fused bias, split like its matrix), a stack's experts.
int64_t ggufRows(const GgufTensor &tensor) { return tensor.nDims >= 1 ? tensor.dims[tensor.nDims - 1] : 0; }

/// A GGUF file: tensors are matched to the manifest through the GGUF name
/// table (GgufNames.cpp) and their shapes compared in Loom's order.
bool loadGgufCheckpoint(const loom_model_desc &desc, const std::string &path, WeightStore &store) {
  GgufFile file;
  if (!file.open(path))
    return false;
  std::unordered_set<std::string_view> manifest;
  for (int64_t i = 0; i < desc.n_weights; ++i)
    manifest.insert(desc.weights[i].name);
  struct GgufLocation {
    const GgufTensor *tensor;
    int64_t firstRow = 0, rows = -1, experts = 0, block = 0; // as TensorLocation's
  };
  std::unordered_map<std::string, GgufLocation> byLoomName;
  // A family that declares its tensors (Family.h) names them itself; the others share GgufNames.cpp's table,
  // but for the per-layer tensors a decoder family names its own way (gpt-oss's attn_sinks).
  const GgufValue *arch = file.find("general.architecture");
  const Family *ofFile = arch && arch->type == GgufValueType::String ? familyOfGguf(arch->string) : nullptr;
  const Family *family = ofFile && ofFile->declaresTensors() ? ofFile : nullptr;
  const Family *decoder = ofFile && !family ? ofFile : nullptr;
  auto ggufToLoom = [family, decoder](std::string_view gguf, std::string &loom) {
    if (family)
      return familyGgufToLoom(*family, gguf, loom);
    return (decoder && familyOwnGgufToLoom(*decoder, gguf, loom)) || ggufToLoomName(gguf, loom);
  };
  auto loomToGguf = [family, decoder](std::string_view loom, std::string &gguf) {
    if (family)
      return familyLoomToGguf(*family, loom, gguf);
    return (decoder && familyOwnLoomToGguf(*decoder, loom, gguf)) || loomToGgufName(loom, gguf);
  };
  for (const GgufTensor &tensor : file.tensors()) {
    std::string loomName;
    if (ggufToLoom(tensor.name, loomName))
      byLoomName.emplace(std::move(loomName), GgufLocation{&tensor});
  }
  std::unordered_set<std::string> consumed;
  if (!splitFused<GgufLocation>(
          desc, byLoomName, [](const GgufLocation &l) { return l.tensor->shape(); }, path, consumed))
    return false;
  // DeepSeek's kv_b stored as llama.cpp's two halves (LatentWeights.h): manifest index -> (keys, values).
  std::unordered_map<int64_t, std::pair<const GgufTensor *, const GgufTensor *>> latent;
  for (int64_t i = 0; i < desc.n_weights; ++i) {
    std::string keys, values;
    if (byLoomName.count(desc.weights[i].name) || !latentHalvesOf(desc.weights[i].name, keys, values))
      continue;
    auto k = byLoomName.find(keys), v = byLoomName.find(values);
    if (k == byLoomName.end() && v == byLoomName.end())
      continue; // reported as missing below
    if (k == byLoomName.end() || v == byLoomName.end())
      return fail("'{}': has '{}' but not '{}', the other half of the model's '{}'", path,
                  (k == byLoomName.end() ? v : k)->second.tensor->name, k == byLoomName.end() ? "attn_k_b" : "attn_v_b",
                  desc.weights[i].name);
    latent.emplace(i, std::pair{k->second.tensor, v->second.tensor});
    consumed.insert(keys);
    consumed.insert(values);
  }
  // The multi-token-prediction layers (GLM-4.5's) that follow the model's, counted in block_count: llama.cpp loads
  // their tensors and skips them, and so does Loom.
  uint64_t blocks = 0, nextn = 0;
  if (arch && arch->type == GgufValueType::String) {
    const std::string prefix(arch->string);
    const GgufValue *count = file.find(prefix + ".block_count");
    const GgufValue *predict = file.find(prefix + ".nextn_predict_layers");
    if (!count || !predict || !count->toUnsigned(blocks) || !predict->toUnsigned(nextn) || nextn > blocks)
      blocks = nextn = 0;
  }
  auto predictionLayer = [&](std::string_view name) {
    std::string_view index, rest;
    return nextn > 0 && splitLayerName(name, "blk.", index, rest) &&
           std::stoull(std::string(index)) >= blocks - nextn;
  };
  // Names outside the table and names the manifest lacks are both extras, except the RoPE table of Llama 3.1
  // files, which must agree with the model's (RopeFreqs.h).
  std::string listed;
  size_t extras = 0;
  for (const GgufTensor &tensor : file.tensors()) {
    if (tensor.name == kRopeFreqsTensor) {
      if (!checkRopeFreqs(desc, tensor, path))
        return false;
      continue;
    }
    if (predictionLayer(tensor.name))
      continue;
    std::string loomName;
    bool used = ggufToLoom(tensor.name, loomName) && (manifest.count(loomName) || consumed.count(loomName));
    if (!used && ++extras <= kListedExtras)
      listed += (listed.empty() ? "'" : ", '") + std::string(tensor.name) + "'";
  }

  for (int64_t i = 0; i < desc.n_weights; ++i) {
    const loom_weight_desc &weight = desc.weights[i];
    if (latent.count(i)) // shapes checked as it is assembled
      continue;
    auto it = byLoomName.find(weight.name);
    if (it == byLoomName.end()) {
      std::string ggufName;
      if (!loomToGguf(weight.name, ggufName))
        return fail("'{}': missing tensor '{}' (expected shape {}), which has no GGUF name", path, weight.name,
                    formatShape(weight.shape, weight.rank));
      return fail("'{}': missing tensor '{}' (GGUF '{}', expected shape {})", path, weight.name, ggufName,
                  formatShape(weight.shape, weight.rank));
    }
    const std::vector<int64_t> shape = rowsShape(it->second.tensor->shape(), it->second.rows, it->second.experts);
    if (!sameShape(weight, shape))
      return fail("'{}': tensor '{}' (GGUF '{}') has shape {} but the model expects {}", path, weight.name,
                  it->second.tensor->name, formatShape(shape.data(), shape.size()),
                  formatShape(weight.shape, weight.rank));
  }
  if (extras)
    return fail("'{}': {} tensor{} not in the model: {}{}", path, extras, extras == 1 ? " is" : "s are", listed,
                extras > kListedExtras ? ", ..." : "");

  bool anyBorrowed = false;
  for (int64_t i = 0; i < desc.n_weights; ++i) {
    if (auto halves = latent.find(i); halves != latent.end()) {
      if (!setLatentKvB(size_t(i), desc.weights[i], *halves->second.first, *halves->second.second, path, store))
        return false;
      continue;
    }
    const GgufLocation &location = byLoomName.find(desc.weights[i].name)->second;
    const GgufTensor &tensor = *location.tensor;
    if (location.block > 0) // no GGUF name stands for such a tensor (Qwen3-Next's is transformers')
      return fail("'{}': tensor '{}' alternates its parts head by head, which Loom reads from transformers "
                  "checkpoints only",
                  path, tensor.name);
    if (location.experts > 0) {
      // Rows of each expert of a fused stack (ffn_gate_up_exps): a strided copy. Rows hold whole blocks.
      const size_t expertBytes = tensor.bytes / size_t(location.experts);
      const size_t rowBytes = expertBytes / size_t(tensor.shape()[1]);
      std::vector<ByteRun> runs;
      for (size_t e = 0; e < size_t(location.experts); ++e)
        runs.push_back({tensor.data + e * expertBytes + size_t(location.firstRow) * rowBytes,
                        size_t(location.rows) * rowBytes});
      if (!store.setFromRuns(size_t(i), desc.weights[i], int64_t(tensor.type), ggmlTypeName(tensor.type), runs, path,
                             desc.weights[i].name))
        return false;
      continue;
    }
    // A run of rows of a fused matrix: rows hold whole quantization blocks, so the run is contiguous bytes.
    size_t rowBytes = ggufRows(tensor) > 0 ? tensor.bytes / size_t(ggufRows(tensor)) : tensor.bytes;
    size_t offset = size_t(location.firstRow) * rowBytes;
    size_t bytes = location.rows < 0 ? tensor.bytes : size_t(location.rows) * rowBytes;
    size_t elements = location.rows < 0 ? size_t(tensor.elements)
                                        : size_t(location.rows) * (size_t(tensor.elements) / size_t(ggufRows(tensor)));
    bool borrowed;
    if (!store.setFromFile(size_t(i), desc.weights[i], int64_t(tensor.type), ggmlTypeName(tensor.type),
                           tensor.data + offset, bytes, elements, path, desc.weights[i].name, borrowed))
      return false;
    anyBorrowed |= borrowed;
  }
  // llama.cpp's converter reorders the Q/K rows of some families (llama, smollm3) for ggml's adjacent-pair
  // RoPE and keeps the others' (QkLayout.h, the family's DecoderShape).
  bool interleaved = ofFile && ofFile->decoder.ggufInterleaved;
  if (!adaptQkRows(desc, interleaved ? QkRowOrder::Interleaved : QkRowOrder::Half, store, path))
    return false;
  if (anyBorrowed)
    store.keepMapping(file.releaseMapping());
  return true;
}

} // namespace

bool loom::rt::loadCheckpoint(const loom_model_desc &desc, const std::string &path, WeightStore &store) {
  const bool sharded = endsWith(path, ".index.json");
  if (!sharded && isGgufFile(path))
    return loadGgufCheckpoint(desc, path, store);
  ShardIndex index;
  if (sharded) {
    if (!readShardIndex(path, index))
      return false;
  } else {
    index.shards.push_back(path);
  }

  // Every file stays open (mapped) until the weights are set: tensors point into the mappings.
  std::vector<SafetensorsFile> files(index.shards.size());
  const std::string directory = sharded ? directoryOf(path) : std::string();
  for (size_t f = 0; f < files.size(); ++f) {
    const std::string &shard = index.shards[f];
    if (!files[f].open(sharded && shard.front() != '/' ? directory + shard : shard))
      return false;
  }

  std::unordered_map<std::string_view, TensorLocation> tensors;
  for (size_t f = 0; f < files.size(); ++f)
    for (const SafetensorsTensor &tensor : files[f].tensors()) {
      auto [it, inserted] = tensors.try_emplace(tensor.name, TensorLocation{&tensor, f});
      if (!inserted)
        return fail("'{}': tensor '{}' is also in '{}'", files[f].path(), tensor.name,
                    files[it->second.file].path());
    }
  if (sharded && !checkShardsMatchIndex(path, index, files, tensors))
    return false;
  ManifestView view;
  if (!buildManifestView(desc, path, files, view) || !checkAgainstManifest(desc, path, files, view))
    return false;

  std::vector<bool> borrowedFrom(files.size(), false);
  for (int64_t i = 0; i < desc.n_weights; ++i) {
    const loom_weight_desc &weight = desc.weights[i];
    if (auto stack = view.stacked.find(weight.name); stack != view.stacked.end()) {
      std::vector<TensorSlice> slices;
      for (const std::string &expert : stack->second) {
        const SafetensorsTensor *tensor = view.byName.at(expert).tensor;
        slices.push_back({tensor, 0, tensor->bytes});
      }
      if (!store.setFromSlices(size_t(i), weight, slices, files[view.byName.at(stack->second[0]).file].path()))
        return false;
      continue;
    }
    const TensorLocation &location = view.byName.find(weight.name)->second;
    if (needsGather(location)) {
      ElementGather gather;
      if (!gatherOf(location, files[location.file].path(), gather) ||
          !store.setGathered(size_t(i), weight, *location.tensor, gather, files[location.file].path()))
        return false;
      continue;
    }
    if (location.experts > 0) {
      if (!store.setFromSlices(size_t(i), weight, expertRowSlices(location), files[location.file].path()))
        return false;
      continue;
    }
    bool borrowed = false;
    bool set = location.transposed
                   ? store.setTransposed(size_t(i), *location.tensor, files[location.file].path(), location.firstRow,
                                         location.rows)
                   : store.setFromTensor(size_t(i), weight, *location.tensor, files[location.file].path(), borrowed,
                                         location.firstRow, location.rows);
    if (!set)
      return false;
    if (borrowed)
      borrowedFrom[location.file] = true;
  }
  // transformers checkpoints keep the half pairing, but for a family whose model rotates adjacent pairs
  // (Llama 4); Loom-named files are written for their spec.
  QkRowOrder order = !view.transformers ? QkRowOrder::AsSpec
                     : view.decoderFamily && view.decoderFamily->decoder.hfInterleavedRope ? QkRowOrder::Interleaved
                                                                                           : QkRowOrder::Half;
  if (!adaptQkRows(desc, order, store, path))
    return false;
  // Files whose tensors were all converted are unmapped when `files` goes away.
  for (size_t f = 0; f < files.size(); ++f)
    if (borrowedFrom[f])
      store.keepMapping(files[f].releaseMapping());
  return true;
}
