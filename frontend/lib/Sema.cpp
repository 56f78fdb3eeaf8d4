//===- Sema.cpp - Resolution of architectures into ArchSpecs -------------===//
//
// Keys are definitions, not assignments: an architecture is the set of its
// own keys plus those it inherits, where a derived architecture's key
// replaces the inherited one. Keys are therefore evaluated in dependency
// order after merging, which is what makes `extends` useful: overriding
// `d_model` changes every component computed from it. Cycles are errors.
//
//===----------------------------------------------------------------------===//
#include "Sema.h"

#include "Components.h"
#include "Diagnostics.h"
#include "Eval.h"
#include "UnmodelledSettings.h"

#include "llvm/ADT/BitVector.h"
#include "llvm/ADT/DenseSet.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/Support/SourceMgr.h"

#include <cmath>
#include <utility>

using namespace llvm;

namespace loom::frontend {

//===----------------------------------------------------------------------===//
// ArchitectureRegistry
//===----------------------------------------------------------------------===//

void ArchitectureRegistry::add(const ast::Architecture &arch, DiagnosticEmitter &diags) {
  auto [it, inserted] = byName.try_emplace(arch.name, &arch);
  if (!inserted) {
    diags.error(arch.getLoc(), "redefinition of architecture '" + arch.name + "'", arch.nameRange);
    diags.note(it->second->getLoc(), "previous definition is here");
    return;
  }
  orders[&arch] = ordered.size();
  ordered.push_back(&arch);
}

const ast::Architecture *ArchitectureRegistry::find(StringRef name) const { return byName.lookup(name); }

SmallVector<StringRef> ArchitectureRegistry::names() const {
  SmallVector<StringRef> result;
  for (const ast::Architecture *arch : ordered)
    result.push_back(arch->name);
  return result;
}

//===----------------------------------------------------------------------===//
// Architecture resolution
//===----------------------------------------------------------------------===//

static constexpr int64_t kMaxLayers = 100000;

/// Keys with a fixed meaning; every other key is a constant or a component.
static constexpr StringRef kReservedKeys[] = {"vocab",          "d_model",         "n_layers",  "max_context",
                                              "tie_embeddings", "embedding_scale", "final_norm",
                                              "positions",      "logit_scale",     "logit_softcap"};

static bool isReservedKey(StringRef name) { return is_contained(kReservedKeys, name); }

/// Why `name` cannot be defined as a key, or nothing if it can.
static std::optional<std::string> reservedNameReason(StringRef name) {
  if (isBuiltinFunction(name))
    return ("'" + name + "' names a built-in function and cannot be defined").str();
  if (lookupConstructor(name))
    return ("'" + name + "' names a component kind and cannot be defined").str();
  if (name == "sliding_window")
    return std::string("'sliding_window' is an enumerator and cannot be defined; a sliding-window mask is written "
                       "GQA(mask = sliding_window, window = N)");
  if (isEnumerator(name))
    return ("'" + name + "' is an enumerator and cannot be defined").str();
  if (name == "i")
    return std::string("'i' is reserved for the layer index in 'layers where' conditions");
  if (name == "x")
    return std::string("'x' is reserved for the residual stream of blocks");
  return std::nullopt;
}

/// Calls `fn` for every name an expression reads, including callees.
static void forEachName(const ast::Expr &expr, function_ref<void(StringRef)> fn) {
  switch (expr.getKind()) {
  case ast::Expr::Kind::Number:
  case ast::Expr::Kind::Bool:
    return;
  case ast::Expr::Kind::Name:
    fn(cast<ast::NameExpr>(expr).getName());
    return;
  case ast::Expr::Kind::Unary:
    forEachName(cast<ast::UnaryExpr>(expr).getOperand(), fn);
    return;
  case ast::Expr::Kind::Binary: {
    const auto &binary = cast<ast::BinaryExpr>(expr);
    forEachName(binary.getLHS(), fn);
    forEachName(binary.getRHS(), fn);
    return;
  }
  case ast::Expr::Kind::Call: {
    const auto &call = cast<ast::CallExpr>(expr);
    fn(call.getCallee());
    for (const ast::CallExpr::Argument &arg : call.getArgs())
      forEachName(*arg.value, fn);
    return;
  }
  }
}

static bool isCallableComponent(const Value &value) {
  return value.is(Value::Kind::Component) && isCallable(value.getComponent().ctor->family);
}

namespace {

struct Definition {
  enum class State { Pending, Visiting, Done, Failed };

  const ast::Binding *binding = nullptr;
  /// The architecture whose body holds `binding`.
  const ast::Architecture *owner = nullptr;
  State state = State::Pending;
  std::optional<Value> value;
  /// Read by an expression or called by a block.
  bool used = false;
  /// Part of a reported cycle; fails without being evaluated.
  bool cyclic = false;
  /// Definitions this one reads, as indices.
  SmallVector<unsigned, 4> deps;
};

/// A component bound to a name, for every layer or for a rule's layers.
struct BoundComponent {
  Component component;
  /// The architecture-level definition, marked used when a block calls it.
  Definition *def = nullptr;
};

struct ResolvedRule {
  const ast::LayerRule *decl = nullptr;
  BitVector layers;
  StringMap<BoundComponent> components;
  const ast::Block *block = nullptr;
};

/// A residual block checked for what does not depend on the layer.
struct CheckedBlock {
  struct Use {
    StringRef component;
    SMRange range;
  };
  /// Null if the block is invalid.
  std::shared_ptr<const std::vector<BlockStmt>> stmts;
  /// Each called component at its first call, in evaluation order.
  SmallVector<Use, 8> uses;
};

class ArchitectureResolver final : public Scope {
public:
  ArchitectureResolver(const ast::Architecture &arch, const ArchitectureRegistry &registry,
                       DiagnosticEmitter &diags)
      : arch(arch), registry(registry), diags(diags), sm(diags.getSourceMgr()) {}

  std::optional<ArchSpec> resolve();

  Lookup lookup(StringRef name) const override;
  void collectNames(SmallVectorImpl<StringRef> &names) const override;

private:
  //===--- Definitions ---------------------------------------------------===//
  bool collectChain();
  void mergeDefinitions();
  Definition *find(StringRef name);
  /// Marks every key `expr` reads as used; with `deps`, also records them.
  void markReads(const ast::Expr &expr, SmallVectorImpl<unsigned> *deps = nullptr);
  void evaluateDefinitions();
  void reportCycle(ArrayRef<std::pair<unsigned, unsigned>> stack, unsigned from);

  //===--- Reserved keys -------------------------------------------------===//
  /// The value of a reserved key; reports it missing if `required`.
  const Value *reservedKey(StringRef key, bool required);
  std::optional<int64_t> dimensionKey(StringRef key, int64_t limit);
  void resolveGlobals(ArchSpec &spec);
  void resolvePositions(ArchSpec &spec);

  //===--- Layers --------------------------------------------------------===//
  Component makeComponent(StringRef name, SMLoc loc, const ComponentValue &value) const;
  void collectComponents();
  void resolveRules(int64_t nLayers);
  bool selectLayers(ResolvedRule &rule, int64_t nLayers);
  std::optional<int64_t> layerIndex(const ast::Expr &expr, int64_t nLayers);
  void bindRuleComponents(ResolvedRule &rule);
  bool namesComponent(StringRef name) const;
  const CheckedBlock &checkBlock(const ast::Block &block);
  std::unique_ptr<BlockExpr> convertBlockExpr(const ast::BlockExpr &expr, const StringSet<> &vars,
                                              CheckedBlock &checked, bool &ok);
  void reportUnboundComponent(const CheckedBlock::Use &use, int64_t layer);
  void reportAllHeadsCall(const CheckedBlock::Use &use);
  void resolveLayers(ArchSpec &spec);
  /// Warns about unused keys; an unused key named like an architecture
  /// setting is an error (UnmodelledSettings.h).
  void checkUnused();

  const ast::Architecture &arch;
  const ArchitectureRegistry &registry;
  DiagnosticEmitter &diags;
  const SourceMgr &sm;

  /// The `extends` chain, root first, ending with `arch`.
  SmallVector<const ast::Architecture *, 4> chain;
  std::vector<Definition> defs;
  StringMap<unsigned> defIndex;
  const ast::Block *block = nullptr;
  SmallVector<const ast::LayerRule *, 8> ruleDecls;

  StringMap<BoundComponent> components;
  std::vector<ResolvedRule> rules;
  DenseMap<const ast::Block *, CheckedBlock> checkedBlocks;
  DenseSet<const char *> reportedUses;
};

} // namespace

Scope::Lookup ArchitectureResolver::lookup(StringRef name) const {
  auto it = defIndex.find(name);
  if (it == defIndex.end())
    return {};
  const Definition &def = defs[it->second];
  if (def.state == Definition::State::Done)
    return {Status::Found, &*def.value};
  return {Status::Failed, nullptr};
}

void ArchitectureResolver::collectNames(SmallVectorImpl<StringRef> &names) const {
  for (const Definition &def : defs)
    names.push_back(def.binding->name);
}

Definition *ArchitectureResolver::find(StringRef name) {
  auto it = defIndex.find(name);
  return it == defIndex.end() ? nullptr : &defs[it->second];
}

bool ArchitectureResolver::collectChain() {
  const ast::Architecture *current = &arch;
  chain.push_back(current);
  while (!current->base.empty()) {
    const ast::Architecture *base = registry.find(current->base);
    if (!base) {
      diags.error(current->baseRange.Start,
                  "architecture '" + current->name + "' extends unknown architecture '" + current->base + "'" +
                      didYouMean(current->base, registry.names()),
                  current->baseRange);
      return false;
    }
    // Bases come earlier in reading order, so the chain cannot loop.
    if (registry.order(*base) >= registry.order(*current)) {
      diags.error(current->baseRange.Start,
                  "architecture '" + current->name + "' extends '" + base->name +
                      "', which is defined after it; define the base first",
                  current->baseRange);
      diags.note(base->getLoc(), "'" + base->name + "' is defined here");
      return false;
    }
    chain.push_back(base);
    current = base;
  }
  std::reverse(chain.begin(), chain.end());
  return true;
}

void ArchitectureResolver::mergeDefinitions() {
  for (const ast::Architecture *decl : chain) {
    StringMap<const ast::Binding *> own;
    for (const ast::Binding &binding : decl->bindings) {
      if (std::optional<std::string> reason = reservedNameReason(binding.name)) {
        diags.error(binding.getLoc(), *reason, binding.nameRange);
        continue;
      }
      auto [previous, inserted] = own.try_emplace(binding.name, &binding);
      if (!inserted) {
        diags.error(binding.getLoc(), "duplicate key '" + binding.name + "' in architecture '" + decl->name + "'",
                    binding.nameRange);
        diags.note(previous->second->getLoc(), "previous definition is here");
        continue;
      }
      auto [it, isNew] = defIndex.try_emplace(binding.name, defs.size());
      if (isNew)
        defs.emplace_back();
      defs[it->second].binding = &binding;
      defs[it->second].owner = decl;
    }

    if (!decl->blocks.empty()) {
      block = decl->blocks.front().get();
      for (const auto &extra : ArrayRef(decl->blocks).drop_front()) {
        diags.error(extra->loc, "architecture '" + decl->name + "' has more than one 'block'");
        diags.note(block->loc, "the first 'block' is here");
      }
    }
    for (const ast::LayerRule &rule : decl->rules)
      ruleDecls.push_back(&rule);
  }
}

void ArchitectureResolver::markReads(const ast::Expr &expr, SmallVectorImpl<unsigned> *deps) {
  forEachName(expr, [&](StringRef name) {
    auto it = defIndex.find(name);
    if (it == defIndex.end())
      return;
    defs[it->second].used = true;
    if (deps)
      deps->push_back(it->second);
  });
}

void ArchitectureResolver::reportCycle(ArrayRef<std::pair<unsigned, unsigned>> stack, unsigned from) {
  std::string path;
  for (const auto &[index, next] : stack.drop_front(from)) {
    path += defs[index].binding->name.str() + " -> ";
    defs[index].cyclic = true;
  }
  const ast::Binding &start = *defs[stack[from].first].binding;
  path += start.name.str();
  if (stack.size() - from == 1)
    diags.error(start.getLoc(), "'" + start.name + "' is defined in terms of itself", start.nameRange);
  else
    diags.error(start.getLoc(), "circular definition: " + path, start.nameRange);
}

void ArchitectureResolver::evaluateDefinitions() {
  for (Definition &def : defs)
    markReads(*def.binding->value, &def.deps);

  // Depth-first over the dependencies with an explicit stack, so that a long
  // chain of definitions cannot overflow the native one. Each entry is a
  // definition and the index of its next dependency to visit.
  SmallVector<std::pair<unsigned, unsigned>, 16> stack;
  for (unsigned root = 0; root < defs.size(); ++root) {
    if (defs[root].state != Definition::State::Pending)
      continue;
    defs[root].state = Definition::State::Visiting;
    stack.push_back({root, 0});
    while (!stack.empty()) {
      auto &[index, next] = stack.back();
      Definition &def = defs[index];
      if (next < def.deps.size()) {
        unsigned dep = def.deps[next++];
        if (defs[dep].state == Definition::State::Pending) {
          defs[dep].state = Definition::State::Visiting;
          stack.push_back({dep, 0});
        } else if (defs[dep].state == Definition::State::Visiting) {
          auto first = find_if(stack, [&](const auto &entry) { return entry.first == dep; });
          reportCycle(stack, first - stack.begin());
        }
        continue;
      }
      if (!def.cyclic)
        def.value = Evaluator(*this, diags).evaluate(*def.binding->value);
      def.state = def.value ? Definition::State::Done : Definition::State::Failed;
      stack.pop_back();
    }
  }
}

//===----------------------------------------------------------------------===//
// Reserved keys
//===----------------------------------------------------------------------===//

const Value *ArchitectureResolver::reservedKey(StringRef key, bool required) {
  Definition *def = find(key);
  if (!def) {
    if (!required)
      return nullptr;
    diags.error(arch.getLoc(), "architecture '" + arch.name + "' is missing required key '" + key + "'",
                arch.nameRange);
    // A misspelled reserved key would otherwise pass as a constant.
    for (const Definition &candidate : defs)
      if (!isReservedKey(candidate.binding->name) && !didYouMean(candidate.binding->name, {key}).empty()) {
        diags.note(candidate.binding->getLoc(), "did you mean '" + key + "' instead of '" +
                                                    candidate.binding->name + "'?");
        break;
      }
    return nullptr;
  }
  return def->state == Definition::State::Done ? &*def->value : nullptr;
}

std::optional<int64_t> ArchitectureResolver::dimensionKey(StringRef key, int64_t limit) {
  const Value *value = reservedKey(key, /*required=*/true);
  if (!value)
    return std::nullopt;
  const ast::Expr &expr = *find(key)->binding->value;
  std::optional<int64_t> result = value->isNumber() ? value->toExactInt() : std::nullopt;
  if (!result) {
    diags.error(expr.getRange().Start, "'" + key + "' must be an integer, got " + value->describe(),
                expr.getRange());
    return std::nullopt;
  }
  if (*result <= 0) {
    diags.error(expr.getRange().Start, "'" + key + "' must be positive, got " + Twine(*result), expr.getRange());
    return std::nullopt;
  }
  if (*result > limit) {
    diags.error(expr.getRange().Start, "'" + key + "' must be at most " + Twine(limit) + ", got " + Twine(*result),
                expr.getRange());
    return std::nullopt;
  }
  return result;
}

void ArchitectureResolver::resolveGlobals(ArchSpec &spec) {
  spec.vocab = dimensionKey("vocab", kMaxDimension).value_or(0);
  spec.dModel = dimensionKey("d_model", kMaxDimension).value_or(0);
  spec.nLayers = dimensionKey("n_layers", kMaxLayers).value_or(0);
  spec.maxContext = dimensionKey("max_context", kMaxDimension).value_or(0);

  if (const Value *tie = reservedKey("tie_embeddings", /*required=*/false)) {
    if (tie->is(Value::Kind::Bool)) {
      spec.tieEmbeddings = tie->getBool();
    } else {
      SMRange range = find("tie_embeddings")->binding->value->getRange();
      diags.error(range.Start, "'tie_embeddings' must be true or false, got " + tie->describe(), range);
    }
  }
  for (auto [key, field] : {std::pair{"embedding_scale", &spec.embeddingScale}, std::pair{"logit_scale", &spec.logitScale},
                             std::pair{"logit_softcap", &spec.logitSoftcap}}) {
    const Value *value = reservedKey(key, /*required=*/false);
    if (!value)
      continue;
    if (value->isNumber() && value->toDouble() > 0 && std::isfinite(value->toDouble())) {
      *field = value->toDouble();
    } else {
      SMRange range = find(key)->binding->value->getRange();
      diags.error(range.Start, "'" + std::string(key) + "' must be a positive number, got " + value->describe(), range);
    }
  }
  resolvePositions(spec);
  if (const Value *norm = reservedKey("final_norm", /*required=*/true)) {
    if (norm->is(Value::Kind::Component) && norm->getComponent().ctor->family == ComponentFamily::Norm) {
      spec.finalNorm = std::get<NormSpec>(norm->getComponent().spec);
      if (spec.finalNorm.allHeads) {
        SMRange range = find("final_norm")->binding->value->getRange();
        diags.error(range.Start, "'final_norm' cannot normalize over all_heads: that only applies to an "
                                 "attention's qk_norm", range);
      }
    } else {
      SMRange range = find("final_norm")->binding->value->getRange();
      diags.error(range.Start, "'final_norm' must be a norm (RMSNorm or LayerNorm), got " + norm->describe(),
                  range);
    }
  }
}

/// `positions = learned | none`: absolute positions added to the token embeddings (GPT-2), or none (the
/// attention's RoPE, or NoPE, encodes positions).
void ArchitectureResolver::resolvePositions(ArchSpec &spec) {
  const Value *positions = reservedKey("positions", /*required=*/false);
  if (!positions)
    return;
  if (positions->is(Value::Kind::None))
    return;
  if (positions->is(Value::Kind::Symbol) && positions->getSymbol() == "learned") {
    spec.positions = PositionKind::Learned;
    return;
  }
  SMRange range = find("positions")->binding->value->getRange();
  diags.error(range.Start, "'positions' must be 'learned' or 'none', got " + positions->describe(), range);
}

//===----------------------------------------------------------------------===//
// Components and layer rules
//===----------------------------------------------------------------------===//

Component ArchitectureResolver::makeComponent(StringRef name, SMLoc loc, const ComponentValue &value) const {
  Component component;
  component.name = name.str();
  component.loc = toSourceLoc(sm, loc);
  if (const auto *norm = std::get_if<NormSpec>(&value.spec))
    component.spec = *norm;
  else if (const auto *attention = std::get_if<AttentionSpec>(&value.spec))
    component.spec = *attention;
  else if (const auto *mixer = std::get_if<DeltaNetSpec>(&value.spec))
    component.spec = *mixer;
  else
    component.spec = std::get<FFNSpec>(value.spec);
  return component;
}

void ArchitectureResolver::collectComponents() {
  for (Definition &def : defs) {
    // final_norm is applied once after the last layer, not inside blocks.
    if (def.state != Definition::State::Done || !isCallableComponent(*def.value) ||
        def.binding->name == "final_norm")
      continue;
    components[def.binding->name] = {
        makeComponent(def.binding->name, def.binding->getLoc(), def.value->getComponent()), &def};
  }
}

std::optional<int64_t> ArchitectureResolver::layerIndex(const ast::Expr &expr, int64_t nLayers) {
  markReads(expr);
  std::optional<Value> value = Evaluator(*this, diags).evaluate(expr);
  if (!value)
    return std::nullopt;
  std::optional<int64_t> index = value->isNumber() ? value->toExactInt() : std::nullopt;
  if (!index) {
    diags.error(expr.getRange().Start, "a layer index must be an integer, got " + value->describe(),
                expr.getRange());
    return std::nullopt;
  }
  if (*index < 0 || *index >= nLayers) {
    diags.error(expr.getRange().Start,
                "layer " + Twine(*index) + " is out of range: architecture '" + arch.name + "' has " +
                    Twine(nLayers) + " layers (0.." + Twine(nLayers - 1) + ")",
                expr.getRange());
    return std::nullopt;
  }
  return index;
}

bool ArchitectureResolver::selectLayers(ResolvedRule &rule, int64_t nLayers) {
  const ast::LayerRule &decl = *rule.decl;
  switch (decl.selector) {
  case ast::LayerRule::Selector::Range: {
    std::optional<int64_t> first = layerIndex(*decl.first, nLayers);
    std::optional<int64_t> last = first;
    if (decl.openEnded)
      last = nLayers - 1;
    else if (decl.last)
      last = layerIndex(*decl.last, nLayers);
    if (!first || !last)
      return false;
    if (*last < *first) {
      diags.error(decl.first->getRange().Start, "layer range " + Twine(*first) + ".." + Twine(*last) + " is empty",
                  SMRange(decl.first->getRange().Start, decl.last->getRange().End));
      return false;
    }
    rule.layers.set(*first, *last + 1);
    return true;
  }
  case ast::LayerRule::Selector::Every: {
    auto integer = [&](const ast::Expr &expr, StringRef what) -> std::optional<int64_t> {
      markReads(expr);
      std::optional<Value> value = Evaluator(*this, diags).evaluate(expr);
      if (!value)
        return std::nullopt;
      if (std::optional<int64_t> result = value->isNumber() ? value->toExactInt() : std::nullopt)
        return result;
      diags.error(expr.getRange().Start, what + " must be an integer, got " + value->describe(), expr.getRange());
      return std::nullopt;
    };
    std::optional<int64_t> step = integer(*decl.step, "the step of 'every'");
    std::optional<int64_t> offset = decl.offset ? integer(*decl.offset, "'offset'") : 0;
    if (!step || !offset)
      return false;
    if (*step <= 0) {
      diags.error(decl.step->getRange().Start, "the step of 'every' must be positive, got " + Twine(*step),
                  decl.step->getRange());
      return false;
    }
    if (*offset < 0 || *offset >= *step) {
      diags.error(decl.offset->getRange().Start,
                  "'offset' must be at least 0 and less than the step " + Twine(*step) + ", got " + Twine(*offset),
                  decl.offset->getRange());
      return false;
    }
    for (int64_t layer = *offset; layer < nLayers; layer += *step)
      rule.layers.set(layer);
    return true;
  }
  case ast::LayerRule::Selector::Where: {
    markReads(*decl.condition);
    for (int64_t layer = 0; layer < nLayers; ++layer) {
      unsigned errorsBefore = diags.errorCount();
      std::optional<Value> value = Evaluator(*this, diags, layer).evaluate(*decl.condition);
      if (!value) {
        if (diags.errorCount() != errorsBefore)
          diags.note(decl.loc, "while evaluating the condition for layer " + Twine(layer));
        return false;
      }
      if (!value->is(Value::Kind::Bool)) {
        diags.error(decl.condition->getRange().Start,
                    "a 'layers where' condition must be a boolean, got " + value->describe(),
                    decl.condition->getRange());
        return false;
      }
      if (value->getBool())
        rule.layers.set(layer);
    }
    return true;
  }
  }
  llvm_unreachable("unknown layer selector");
}

void ArchitectureResolver::bindRuleComponents(ResolvedRule &rule) {
  const ast::LayerRule &decl = *rule.decl;
  StringMap<const ast::Binding *> seen;
  for (const ast::Binding &binding : decl.bindings) {
    if (std::optional<std::string> reason = reservedNameReason(binding.name)) {
      diags.error(binding.getLoc(), *reason, binding.nameRange);
      continue;
    }
    if (isReservedKey(binding.name)) {
      diags.error(binding.getLoc(),
                  "'" + binding.name + "' cannot change per layer; a 'layers' rule can only rebind components",
                  binding.nameRange);
      continue;
    }
    auto [previous, inserted] = seen.try_emplace(binding.name, &binding);
    if (!inserted) {
      diags.error(binding.getLoc(), "duplicate binding of '" + binding.name + "' in this 'layers' rule",
                  binding.nameRange);
      diags.note(previous->second->getLoc(), "previous binding is here");
      continue;
    }
    if (Definition *def = find(binding.name)) {
      if (def->state != Definition::State::Done)
        continue;
      if (!isCallableComponent(*def->value)) {
        diags.error(binding.getLoc(),
                    "'" + binding.name + "' is " + def->value->describe() +
                        "; a 'layers' rule can only rebind norm, attention and feed-forward components",
                    binding.nameRange);
        diags.note(def->binding->getLoc(), "'" + binding.name + "' is defined here");
        continue;
      }
    }

    markReads(*binding.value);
    std::optional<Value> value = Evaluator(*this, diags).evaluate(*binding.value);
    if (!value)
      continue;
    if (!isCallableComponent(*value)) {
      SMRange range = binding.value->getRange();
      diags.error(range.Start,
                  "a 'layers' rule can only bind norm, attention and feed-forward components; '" + binding.name +
                      "' is bound to " + value->describe(),
                  range);
      continue;
    }
    rule.components[binding.name] = {makeComponent(binding.name, binding.getLoc(), value->getComponent()),
                                     nullptr};
  }

  if (!decl.blocks.empty()) {
    rule.block = decl.blocks.front().get();
    for (const auto &extra : ArrayRef(decl.blocks).drop_front()) {
      diags.error(extra->loc, "a 'layers' rule can have only one 'block'");
      diags.note(rule.block->loc, "the first 'block' is here");
    }
  }
}

void ArchitectureResolver::resolveRules(int64_t nLayers) {
  for (const ast::LayerRule *decl : ruleDecls) {
    ResolvedRule &rule = rules.emplace_back();
    rule.decl = decl;
    rule.layers.resize(nLayers);
    bool selected = selectLayers(rule, nLayers);
    bindRuleComponents(rule);
    if (selected && rule.layers.none())
      diags.warning(decl->loc, "this 'layers' rule selects no layer", decl->selectorRange);
  }
}

//===----------------------------------------------------------------------===//
// Blocks
//===----------------------------------------------------------------------===//

bool ArchitectureResolver::namesComponent(StringRef name) const {
  if (components.count(name) || name == "final_norm")
    return true;
  return any_of(rules, [&](const ResolvedRule &rule) { return rule.components.count(name) != 0; });
}

std::unique_ptr<BlockExpr> ArchitectureResolver::convertBlockExpr(const ast::BlockExpr &expr,
                                                                 const StringSet<> &vars, CheckedBlock &checked,
                                                                 bool &ok) {
  auto result = std::make_unique<BlockExpr>();
  result->name = expr.name.str();
  result->loc = toSourceLoc(sm, expr.loc);
  switch (expr.kind) {
  case ast::BlockExpr::Kind::Var:
    result->kind = BlockExpr::Kind::Var;
    if (vars.contains(expr.name))
      break;
    ok = false;
    if (namesComponent(expr.name)) {
      diags.error(expr.loc,
                  "component '" + expr.name + "' must be applied to a value, as in '" + expr.name + "(x)'",
                  expr.range);
    } else {
      SmallVector<StringRef, 8> names(vars.keys());
      diags.error(expr.loc, "undefined block variable '" + expr.name + "'" + didYouMean(expr.name, names),
                  expr.range);
    }
    break;
  case ast::BlockExpr::Kind::Add:
    result->kind = BlockExpr::Kind::Add;
    for (const auto &operand : expr.operands)
      result->operands.push_back(convertBlockExpr(*operand, vars, checked, ok));
    break;
  case ast::BlockExpr::Kind::Call:
    result->kind = BlockExpr::Kind::Call;
    // Operands first: that is the order in which the layer evaluates them.
    for (const auto &operand : expr.operands)
      result->operands.push_back(convertBlockExpr(*operand, vars, checked, ok));
    if (vars.contains(expr.name)) {
      diags.error(expr.loc, "'" + expr.name + "' is a block variable, not a component", expr.range);
      ok = false;
      break;
    }
    if (expr.operands.size() != 1) {
      diags.error(expr.loc,
                  "component '" + expr.name + "' takes one input, got " + Twine(expr.operands.size()),
                  expr.range);
      ok = false;
    }
    if (none_of(checked.uses, [&](const CheckedBlock::Use &use) { return use.component == expr.name; }))
      checked.uses.push_back({expr.name, expr.range});
    break;
  }
  return result;
}

const CheckedBlock &ArchitectureResolver::checkBlock(const ast::Block &decl) {
  auto [it, inserted] = checkedBlocks.try_emplace(&decl);
  CheckedBlock &checked = it->second;
  if (!inserted)
    return checked;

  StringSet<> vars;
  vars.insert("x");
  bool ok = true;
  bool assignsX = false;
  auto stmts = std::make_shared<std::vector<BlockStmt>>();
  for (const ast::BlockStmt &stmt : decl.stmts) {
    BlockStmt &converted = stmts->emplace_back();
    converted.value = convertBlockExpr(*stmt.value, vars, checked, ok);
    converted.target = stmt.target.str();
    converted.loc = toSourceLoc(sm, stmt.targetRange.Start);
    if (namesComponent(stmt.target)) {
      diags.error(stmt.targetRange.Start, "cannot assign to '" + stmt.target + "': it names a component",
                  stmt.targetRange);
      ok = false;
    }
    vars.insert(stmt.target);
    assignsX |= stmt.target == "x";
  }
  if (!assignsX) {
    diags.error(decl.loc, "the block never assigns 'x', the output of the layer");
    ok = false;
  }
  if (ok)
    checked.stmts = std::move(stmts);
  return checked;
}

void ArchitectureResolver::reportUnboundComponent(const CheckedBlock::Use &use, int64_t layer) {
  if (!reportedUses.insert(use.range.Start.getPointer()).second)
    return;
  StringRef name = use.component;
  if (name == "final_norm") {
    diags.error(use.range.Start,
                "'final_norm' is applied after the last layer and cannot be called in a block; define a "
                "separate norm for the block",
                use.range);
    return;
  }
  if (Definition *def = find(name)) {
    if (def->state == Definition::State::Done)
      diags.error(use.range.Start,
                  "'" + name + "' is " + def->value->describe() +
                      ", not a norm, attention or feed-forward component",
                  use.range);
    return;
  }
  for (const ResolvedRule &rule : rules)
    if (rule.components.count(name)) {
      diags.error(use.range.Start, "component '" + name + "' is not defined for layer " + Twine(layer), use.range);
      diags.note(rule.decl->loc, "'" + name + "' is only bound for the layers this rule selects");
      return;
    }
  SmallVector<StringRef, 16> names;
  for (const auto &entry : components)
    names.push_back(entry.getKey());
  diags.error(use.range.Start, "unknown component '" + name + "'" + didYouMean(name, names), use.range);
}

void ArchitectureResolver::reportAllHeadsCall(const CheckedBlock::Use &use) {
  // A block's norms see the d_model-wide residual stream, which has no heads.
  if (!reportedUses.insert(use.range.Start.getPointer()).second)
    return;
  diags.error(use.range.Start,
              "'" + use.component + "' normalizes over all_heads, which only means something as an "
                                    "attention's qk_norm; a block can only call a norm over its whole input",
              use.range);
}

void ArchitectureResolver::resolveLayers(ArchSpec &spec) {
  bool reportedMissingBlock = false;
  spec.layers.reserve(spec.nLayers);
  for (int64_t layer = 0; layer < spec.nLayers; ++layer) {
    // Later rules win, so search them from the back.
    auto selecting = reverse(rules);
    const ast::Block *layerBlock = block;
    for (const ResolvedRule &rule : selecting)
      if (rule.block && rule.layers.test(layer)) {
        layerBlock = rule.block;
        break;
      }
    if (!layerBlock) {
      if (!reportedMissingBlock)
        diags.error(arch.getLoc(), "architecture '" + arch.name + "' has no 'block', and no 'layers' rule gives "
                                       "layer " + Twine(layer) + " one",
                    arch.nameRange);
      reportedMissingBlock = true;
      continue;
    }
    const CheckedBlock &checked = checkBlock(*layerBlock);
    if (!checked.stmts)
      continue;

    LayerSpec &layerSpec = spec.layers.emplace_back();
    layerSpec.index = layer;
    layerSpec.block = checked.stmts;
    for (const CheckedBlock::Use &use : checked.uses) {
      const BoundComponent *bound = nullptr;
      for (const ResolvedRule &rule : selecting) {
        auto it = rule.components.find(use.component);
        if (it != rule.components.end() && rule.layers.test(layer)) {
          bound = &it->second;
          break;
        }
      }
      if (!bound) {
        auto it = components.find(use.component);
        bound = it == components.end() ? nullptr : &it->second;
      }
      if (!bound) {
        reportUnboundComponent(use, layer);
        continue;
      }
      if (bound->def)
        bound->def->used = true;
      if (const auto *norm = std::get_if<NormSpec>(&bound->component.spec); norm && norm->allHeads)
        reportAllHeadsCall(use);
      layerSpec.components.push_back(bound->component);
    }
  }
}

void ArchitectureResolver::checkUnused() {
  for (const Definition &def : defs) {
    if (def.used || isReservedKey(def.binding->name) || def.state != Definition::State::Done)
      continue;
    StringRef what = def.value->is(Value::Kind::Component) ? "component" : "constant";
    if (std::optional<std::string> problem = unusedSettingProblem(def.binding->name)) {
      diags.error(def.binding->getLoc(), *problem, def.binding->nameRange);
      continue;
    }
    diags.warning(def.binding->getLoc(), what + " '" + def.binding->name + "' is never used",
                  def.binding->nameRange);
  }
}

std::optional<ArchSpec> ArchitectureResolver::resolve() {
  unsigned errorsBefore = diags.errorCount();
  // Inherited text is only wrong in the context of this architecture; say so.
  std::optional<DiagnosticEmitter::ContextScope> context;
  if (!arch.base.empty())
    context.emplace(diags, SMRange(arch.nameRange.Start, arch.body.End), arch.getLoc(),
                    ("while resolving architecture '" + arch.name + "', which extends '" + arch.base + "'").str());

  if (!collectChain())
    return std::nullopt;
  mergeDefinitions();
  evaluateDefinitions();

  ArchSpec spec;
  spec.name = arch.name.str();
  spec.loc = toSourceLoc(sm, arch.getLoc());
  spec.file = spec.loc.file;
  resolveGlobals(spec);
  collectComponents();
  if (spec.nLayers > 0) {
    resolveRules(spec.nLayers);
    resolveLayers(spec);
  }
  if (diags.errorCount() != errorsBefore)
    return std::nullopt;
  checkUnused();
  if (diags.errorCount() != errorsBefore)
    return std::nullopt;
  return spec;
}

std::optional<ArchSpec> resolveArchitecture(const ast::Architecture &arch, const ArchitectureRegistry &registry,
                                            DiagnosticEmitter &diags) {
  return ArchitectureResolver(arch, registry, diags).resolve();
}

} // namespace loom::frontend
