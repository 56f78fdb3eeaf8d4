/*===- CudaTarget.h - The GPUs a cuda kit's kernels run on -----------------===*
 *
 * Written once, read by everything that depends on it: codegen/kernels/
 * CMakeLists.txt (the cuda kit's Halide target, cuda_capability_NN), `loom
 * compile --gpu` (codegen/lib/Target.cpp: this architecture and newer) and a
 * cuda kit's device check (runtime/lib/kernels/KernelVariantCuda.cpp: older
 * devices are refused). The PTX is compiled for this compute capability, and
 * the driver compiles it for every newer GPU.
 *
 *===----------------------------------------------------------------------===*/
#ifndef LOOM_RUNTIME_CUDATARGET_H
#define LOOM_RUNTIME_CUDATARGET_H

/* Compute capability major * 10 + minor: 80 is Ampere (A100). */
#define LOOM_CUDA_CAPABILITY 80

#endif /* LOOM_RUNTIME_CUDATARGET_H */
