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

# Cross target kits (cmake/LoomTargetKits.cmake): each that was built gives a feature and the command that
# runs its test driver (test/targets) on this machine, under the target's emulator.
import ctypes
import shutil

kits_dir = os.path.join(config.loom_obj_root, "lib", "loom", "targets")
for kit in sorted(os.listdir(kits_dir)) if os.path.isdir(kits_dir) else []:
    run_driver = os.path.join(kits_dir, kit, "run-driver.txt")
    if not os.path.exists(run_driver):
        continue
    with open(run_driver) as f:
        command = [line.strip() for line in f if line.strip()]
    if shutil.which(command[0]):
        config.available_features.add("kit-" + kit)
        config.substitutions.append(("%{run-on-" + kit + "}", " ".join(command)))

# The CUDA toolkit's assembler checks the PTX of CUDA libraries; a machine with a CUDA driver runs them instead
# of reporting the missing GPU (tools/gpu-check.sh tests that case).
cuda_bin = "/usr/local/cuda/bin"
if shutil.which("ptxas") or os.path.exists(os.path.join(cuda_bin, "ptxas")):
    config.available_features.add("ptxas")
    llvm_config.with_environment("PATH", cuda_bin, append_path=True)
try:
    ctypes.CDLL("libcuda.so.1")
    config.available_features.add("cuda-driver")
except OSError:
    pass

# An OpenCL platform with a device (PoCL runs the opencl kit's GPU schedules on this CPU); its kernel cache
# goes to the build tree.
try:
    opencl = ctypes.CDLL("libOpenCL.so.1")
    platforms = ctypes.c_uint32(0)
    if opencl.clGetPlatformIDs(0, None, ctypes.byref(platforms)) == 0 and platforms.value > 0:
        config.available_features.add("opencl-device")
except OSError:
    pass
llvm_config.with_environment("POCL_CACHE_DIR", os.path.join(config.loom_obj_root, "test-cache", "pocl"))
