# -*- Python -*-
# lit configuration for Loom's IR, diagnostics and end-to-end tests.
import os

import lit.formats
from lit.llvm import llvm_config

config.name = "Loom"
config.test_format = lit.formats.ShTest(not llvm_config.use_lit_shell)
config.suffixes = [".mlir", ".loom", ".test"]
config.test_source_root = os.path.dirname(__file__)
config.test_exec_root = os.path.join(config.loom_obj_root, "test")
config.excludes = ["Inputs", "CMakeLists.txt", "lit.cfg.py", "lit.site.cfg.py.in", "reference", "fuzz"]

llvm_config.use_default_substitutions()
# FileCheck, not, split-file live in LLVM 22's own bin directory, off the default PATH.
llvm_config.with_environment("PATH", config.llvm_tools_dir, append_path=True)
llvm_config.with_environment("PATH", config.loom_tools_dir, append_path=True)
# Compiled test models go to a cache inside the build tree, never the user's.
llvm_config.with_environment("LOOM_CACHE_DIR", os.path.join(config.loom_obj_root, "test-cache"))

config.substitutions.append(("%loom-opt", os.path.join(config.loom_tools_dir, "loom-opt")))
config.substitutions.append(("%loom", os.path.join(config.loom_tools_dir, "loom")))
config.substitutions.append(("%examples", os.path.join(config.loom_src_root, "examples")))
config.substitutions.append(("%runtime_include", os.path.join(config.loom_src_root, "runtime", "include")))
config.substitutions.append(("%cc", config.host_cc))
