/*===- Tensor.h - A weight tensor as kernels see it ---------------------===*
 *
 * Generated code never dereferences weights itself: it hands kernels a
 * `loom_tensor` so that one compiled library runs F32, F16 or quantized weights
 * (dequantized inside the kernels) without recompilation.
 *
 *===--------------------------------------------------------------------===*/
#ifndef LOOM_RUNTIME_TENSOR_H
#define LOOM_RUNTIME_TENSOR_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Values match GGML's type ids so GGUF tensors map without a table. */
typedef enum loom_dtype {
  LOOM_DTYPE_F32 = 0,
  LOOM_DTYPE_F16 = 1,
  LOOM_DTYPE_Q4_0 = 2,
  LOOM_DTYPE_Q4_1 = 3,
  LOOM_DTYPE_Q8_0 = 8,
  LOOM_DTYPE_Q4_K = 12,
  LOOM_DTYPE_Q6_K = 14,
  LOOM_DTYPE_BF16 = 30,
  /* Layouts the runtime makes at load, never found in a file (so above GGML's ids): Q4_0 rows interleaved in
   * groups of 16 for loom_k_linear (codegen/kernels/ProductRows.h); Q4_1, Q8_0, Q4_K and Q6_K likewise. */
  LOOM_DTYPE_Q4_0_ROWS16 = 0x102,
  LOOM_DTYPE_Q4_1_ROWS16 = 0x103,
  LOOM_DTYPE_Q8_0_ROWS16 = 0x108,
  LOOM_DTYPE_Q4_K_ROWS16 = 0x10C,
  LOOM_DTYPE_Q6_K_ROWS16 = 0x10E,
} loom_dtype;

/* Layout is fixed (16 bytes): generated code indexes arrays of these. */
typedef struct loom_tensor {
  const void *data; /* row-major, innermost dimension last */
  int64_t dtype;    /* a loom_dtype */
} loom_tensor;

#ifdef __cplusplus
}
#endif

#endif /* LOOM_RUNTIME_TENSOR_H */
