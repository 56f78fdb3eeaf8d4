//===- UnmodelledSettings.h - Keys that read like settings ------*- C++ -*-===//
//
// A key nothing uses is normally a warning: it may be a note to the reader
// or a leftover. A key whose *name* is an architecture setting is different:
// `final_logit_softcap = 30.0` or `rope_theta = 5e5` says the model computes
// something, and compiling the spec without it would quietly produce another
// model. Such keys are errors when nothing uses them, naming what they would
// have set and, where the DSL has it under another spelling, where it goes.
//
//===----------------------------------------------------------------------===//
#ifndef LOOM_FRONTEND_LIB_UNMODELLEDSETTINGS_H
#define LOOM_FRONTEND_LIB_UNMODELLEDSETTINGS_H

#include "llvm/ADT/StringRef.h"

#include <optional>
#include <string>

namespace loom::frontend {

/// The error for an unused key named `name` that reads like an architecture
/// setting, saying what it would set; nothing for any other name.
std::optional<std::string> unusedSettingProblem(llvm::StringRef name);

} // namespace loom::frontend

#endif // LOOM_FRONTEND_LIB_UNMODELLEDSETTINGS_H
