//===- LoomAttrs.td - Structured attributes of loom ops ------*- tablegen -*-===//
//
// RoPE frequency scalings, one attribute per kind so that each carries only
// the numbers it uses and verifies their ranges itself. The frequencies they
// imply are computed from them at compile time (loom/Dialect/RopeScaling.h).
//
//===----------------------------------------------------------------------===//
#ifndef LOOM_ATTRS
#define LOOM_ATTRS

include "mlir/IR/AttrTypeBase.td"
include "loom/Dialect/LoomDialect.td"

// A double, held as an APFloat (which MLIR can hash) and printed so that it
// reads back exactly; accessors return APFloat (`.convertToDouble()`).
class Loom_F64Parameter<string desc> : APFloatParameter<desc> {
  let parser = [{ [&]() -> ::mlir::FailureOr<::llvm::APFloat> {
    // An integer literal is accepted too (`factor = 32`); parseFloat alone rejects it.
    int64_t integer;
    ::mlir::OptionalParseResult isInteger = $_parser.parseOptionalInteger(integer);
    if (isInteger.has_value()) {
      if (::mlir::failed(*isInteger))
        return ::mlir::failure();
      return ::llvm::APFloat(static_cast<double>(integer));
    }
    double value;
    if ($_parser.parseFloat(value))
      return ::mlir::failure();
    return ::llvm::APFloat(value);
  }() }];
  let printer = [{ $_printer.printFloat($_self) }];
}

class Loom_BoolParameter<string desc> : AttrParameter<"bool", desc> {
  let parser = [{ [&]() -> ::mlir::FailureOr<bool> {
    if (::mlir::succeeded($_parser.parseOptionalKeyword("true")))
      return true;
    if (::mlir::succeeded($_parser.parseOptionalKeyword("false")))
      return false;
    return $_parser.emitError($_parser.getCurrentLocation(), "expected true or false");
  }() }];
  let printer = [{ $_printer << ($_self ? "true" : "false") }];
}

class Loom_Attr<string name, string attrMnemonic> : AttrDef<Loom_Dialect, name> {
  let mnemonic = attrMnemonic;
  let assemblyFormat = "`<` struct(params) `>`";
  let genVerifyDecl = 1;
}

def Loom_RopeLinearAttr : Loom_Attr<"RopeLinear", "rope_linear"> {
  let summary = "RoPE with every frequency divided by `factor` (positions / factor)";
  let parameters = (ins Loom_F64Parameter<"">:$factor);
}

def Loom_RopeLlama3Attr : Loom_Attr<"RopeLlama3", "rope_llama3"> {
  let summary = "Llama 3.1's RoPE scaling";
  let description = [{
    Pairs whose wavelength 2 pi / frequency is shorter than
    `original_context / high_freq_factor` keep their frequency; longer than
    `original_context / low_freq_factor` are divided by `factor`; in between
    the frequency is blended linearly in `original_context / wavelength`.
  }];
  let parameters = (ins Loom_F64Parameter<"">:$factor, Loom_F64Parameter<"">:$low_freq_factor,
                        Loom_F64Parameter<"">:$high_freq_factor, "int64_t":$original_context);
}

def Loom_RopeYarnAttr : Loom_Attr<"RopeYarn", "rope_yarn"> {
  let summary = "YaRN RoPE scaling (transformers' `yarn` rope type)";
  let description = [{
    Pairs that turn more than `beta_fast` times over `original_context`
    positions keep their frequency, pairs that turn less than `beta_slow`
    times are divided by `factor`, with a linear ramp over the pair index in
    between (bounds rounded outwards to whole pairs when `truncate`). cos and
    sin are multiplied by `attention_factor`.
  }];
  let parameters = (ins Loom_F64Parameter<"">:$factor, "int64_t":$original_context,
                        Loom_F64Parameter<"">:$beta_fast, Loom_F64Parameter<"">:$beta_slow,
                        Loom_F64Parameter<"">:$attention_factor, Loom_BoolParameter<"">:$truncate);
}

def Loom_RopeScalingAttr : AnyAttrOf<[Loom_RopeLinearAttr, Loom_RopeLlama3Attr, Loom_RopeYarnAttr]>;

#endif // LOOM_ATTRS
