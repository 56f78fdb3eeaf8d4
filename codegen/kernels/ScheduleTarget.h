//===- ScheduleTarget.h - Which family of schedules a target gets -*- C++ -*-===//
//
// Every generator keeps its algorithm target-independent and picks a schedule
// by switching on scheduleFamily(get_target()). A new target family (CUDA
// next) means a case in each generator's schedule(), not touching algorithms.
//
//===----------------------------------------------------------------------===//
#ifndef LOOM_CODEGEN_KERNELS_SCHEDULETARGET_H
#define LOOM_CODEGEN_KERNELS_SCHEDULETARGET_H

#include "Halide.h"

namespace loom::kernels {

enum class ScheduleFamily {
  /// x86-64 with AVX2 and FMA: 16 ymm registers of 8 floats, two FMA pipes. The AVX-512 variant keeps
  /// these schedules, except where a generator asks for the target's vector width: the float GEMM's zmm
  /// tiles (Linear.cpp), the split-key attention's natural vectors. Elsewhere its gain is in the
  /// instructions below; the ggml-ordered sums fix their lane counts anyway.
  X86Avx2,
  /// AArch64 with NEON (Advanced SIMD, which every AArch64 CPU has): 32 q registers of 4 floats. The CPU
  /// schedules of X86Avx2 fit as written, in 8-float vectors that LLVM splits into pairs of q registers:
  /// the register tiles that fill 16 ymm fill 32 q, and the lane counts of the sums are the algorithms'
  /// (equal results for a row of x in gemv and gemm), not the registers'. What differs are x86's byte
  /// product routes (pmaddubsw, vpdpbusd): NEON widens codes with smlal/umlal instead.
  Arm64Neon,
  /// An x86-64 host driving a GPU through Halide's cuda target (NVIDIA; PTX through LLVM's NVPTX backend)
  /// or its opencl target (OpenCL C; PoCL runs it on this CPU, which is how the GPU schedules are tested
  /// on machines without a GPU). A generator with a GPU schedule (GpuSchedule.h) runs on the device; one
  /// without runs on the host under its X86Avx2 schedule, which Halide allows in a GPU pipeline (its
  /// buffers are copied as needed).
  Gpu,
};

/// Whether the target has 8-bit integer dot products: AVX-512 VNNI's vpdpbusd (u8 x i8, four products
/// summed into each i32 lane), which Halide emits for avx512_sapphirerapids targets. Block products then
/// sum a block's codes in one instruction per 32 elements instead of widening them to 16 bits.
inline bool hasInt8DotProduct(const Halide::Target &target) {
  return target.arch == Halide::Target::X86 && target.has_feature(Halide::Target::AVX512_SapphireRapids);
}

/// Whether the target has AArch64's 8-bit dot products (the dotprod extension of Armv8.2: sdot and udot, four
/// products summed into each i32 lane). Halide emits them for a vectorised sum of four widened int8 products.
inline bool hasArmDotProduct(const Halide::Target &target) {
  return target.arch == Halide::Target::ARM && target.has_feature(Halide::Target::ARMDotProd);
}

/// The schedule family for `target`; a generator error for targets without schedules yet, so that
/// a build for a new target fails at generation time rather than producing slow scalar code.
inline ScheduleFamily scheduleFamily(const Halide::Target &target) {
  bool x86Avx2 = target.arch == Halide::Target::X86 && target.bits == 64 &&
                 target.has_feature(Halide::Target::AVX2) && target.has_feature(Halide::Target::FMA);
  if (x86Avx2 && (target.has_feature(Halide::Target::CUDA) || target.has_feature(Halide::Target::OpenCL)))
    return ScheduleFamily::Gpu;
  bool cpu = target.bits == 64 && !target.has_gpu_feature();
  if (cpu && target.arch == Halide::Target::ARM)
    return ScheduleFamily::Arm64Neon;
  _halide_user_assert(cpu && x86Avx2) << "Loom kernels have no schedule for target " << target.to_string()
                                      << " (supported: x86-64 with avx2 and fma, optionally cuda or opencl; arm-64)\n";
  return ScheduleFamily::X86Avx2;
}

/// Whether a kernel that computes with F16 values (`usesHalf`) can take its GPU schedule on `target`: Halide's
/// OpenCL C declares half only with the cl_half feature, which PoCL's CPU devices lack. Such a kernel then runs
/// on the host, under its CPU schedule.
inline bool gpuCanRun(const Halide::Target &target, bool usesHalf) {
  return !usesHalf || !target.has_feature(Halide::Target::OpenCL) || target.has_feature(Halide::Target::CLHalf);
}

/// Whether `target` is x86, whose byte product routes (pmaddubsw, vpdpbusd) the products may take.
inline bool isX86(const Halide::Target &target) { return target.arch == Halide::Target::X86; }

} // namespace loom::kernels

#endif // LOOM_CODEGEN_KERNELS_SCHEDULETARGET_H
