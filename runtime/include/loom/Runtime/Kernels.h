/*===- Kernels.h - The kernel ABI that generated code calls -------------===*
 *
 * `loom-lower-to-kernels` turns each `loom` op into calls of these functions.
 * Activations are F32, row-major, contiguous; sizes are int64. Every function
 * parallelizes internally on the runtime's thread pool and is safe to call
 * with zero rows. This header is the only statement of the kernel ABI: the
 * lowering derives each call's MLIR signature from these prototypes
 * (passes/lib/KernelCalls.h), so a change here is a change everywhere.
 *
 *===--------------------------------------------------------------------===*/
#ifndef LOOM_RUNTIME_KERNELS_H
#define LOOM_RUNTIME_KERNELS_H

#include "loom/Runtime/ModelABI.h"
#include "loom/Runtime/Tensor.h"

#ifdef __cplusplus
extern "C" {
#endif

/* out[i, :] = table[ids[i], :] * scale. ids are validated by the runtime. */
void loom_k_embedding(const loom_tensor *table, int64_t d, const int32_t *ids, int64_t n, float scale,
                      float *out);

/* out[i] = start_pos + i for i < n: the ids of learned absolute positions (GPT-2), looked up with
 * loom_k_embedding in a [max_context, d] table. */
void loom_k_position_ids(int64_t start_pos, int64_t n, int32_t *out);

/* y[r, :] = x[r, :] * rsqrt(mean(x[r, :]^2) + eps) * (w + w_offset); w may be NULL (weightless). */
void loom_k_rms_norm(const float *x, int64_t rows, int64_t d, const loom_tensor *w, float eps,
                     float w_offset, float *y);

/* y[r, :] = (x - mean) * rsqrt(var + eps) * w + b; b may be NULL. */
void loom_k_layer_norm(const float *x, int64_t rows, int64_t d, const loom_tensor *w, const loom_tensor *b,
                       float eps, float *y);

/* y[m, n] = x[m, k] . w[n, k]^T (+ bias[n]); w in any loom_dtype, bias F32 or NULL. */
void loom_k_linear(const float *x, int64_t m, int64_t k, const loom_tensor *w, int64_t n,
                   const loom_tensor *bias, float *y);

/* Rotates, in place, the first rot_dims of every head of x[n, heads, head_dim]; token i sits at
 * position start_pos + i. interleaved != 0: pairs (2j, 2j+1) (GPT-J); else (j, j + rot_dims/2) (NeoX).
 * Pair j turns by p * theta^(-2j / rot_dims) / freq_divisors[j] (rot_dims / 2 divisors; NULL: all 1), and
 * cos and sin are multiplied by attn_factor (1 unless YaRN): RoPE scaling (loom/Dialect/RopeScaling.h). */
void loom_k_rope(float *x, int64_t n, int64_t heads, int64_t head_dim, int64_t rot_dims, int64_t start_pos,
                 float theta, const float *freq_divisors, float attn_factor, int32_t interleaved);

/* The QK-norm + RoPE of one projection, fused (loom-fuse-qk-norm-rope): y = rope(rms_norm(x)) for
 * x, y [n, heads, head_dim], where the norm runs over groups of norm_width elements (head_dim: per-head
 * norm, Qwen3 and Gemma 3; heads * head_dim: over the whole projection, OLMo 2) and RoPE is loom_k_rope's.
 * The arithmetic is exactly that of loom_k_rms_norm followed by loom_k_rope; tokens are processed in
 * blocks, so y is rotated while the block is still in cache. y may alias x. */
void loom_k_qk_norm_rope(const float *x, int64_t n, int64_t heads, int64_t head_dim, int64_t norm_width,
                         const loom_tensor *w, float eps, float w_offset, int64_t rot_dims, int64_t start_pos,
                         float theta, const float *freq_divisors, float attn_factor, int32_t interleaved, float *y);

/* Appends k [n, k_row_elems] and v [n, v_row_elems] at positions start_pos .. start_pos + n - 1 of the cache:
 * position p into row p % cache->rows. n <= cache->rows. */
void loom_k_kv_store(const float *k, const float *v, int64_t n, int64_t k_row_elems, int64_t v_row_elems,
                     int64_t start_pos, const loom_cache_view *cache);

/* Masks a query may see. Values are part of the ABI. */
enum { LOOM_MASK_GLOBAL = 0, LOOM_MASK_SLIDING_WINDOW = 1, LOOM_MASK_CHUNKED = 2 };

/* out[i, h, :] = softmax_t(scale * q[i, h, :] . K[t, g, :]) V[t, g, :],  g = h / (heads / kv_heads),
 * over the keys t that query i (position p = start_pos + i) may see: t <= p, and
 *   SLIDING_WINDOW: t > p - window;  CHUNKED: t / window == p / window.
 * K and V of position t are row t % cache->rows of the cache, which must still hold every visible key
 * (rows >= start_pos + n for a FULL cache; >= window + n - 1 for a ring or chunk cache).
 * q is [n, heads, key_dim], out [n, heads, value_dim]. Softmax in F32 with the max subtracted.
 * softcap > 0 caps each scaled score s as softcap * tanh(s / softcap) (Gemma 2, Grok); sinks, if not NULL, is
 * an F32 tensor of one logit per query head that joins each softmax without a value (gpt-oss). */
void loom_k_attention(const float *q, int64_t n, int64_t start_pos, const loom_cache_view *cache, int64_t heads,
                      int64_t kv_heads, int64_t key_dim, int64_t value_dim, float scale, float softcap,
                      const loom_tensor *sinks, int32_t mask, int64_t window, float *out);
/* The same attention for the `fast` numerics profile: computed per chunk of 64 key positions and combined
 * (flash-decoding), so that a decode step is parallel over keys as well as KV heads. loom_k_attention instead
 * sums in ggml's order (the `ggml` profile). Each query's result depends only on its position and the cache,
 * not on n: a decode step equals the same query in a batched pass, bit for bit. */
void loom_k_attention_split_keys(const float *q, int64_t n, int64_t start_pos, const loom_cache_view *cache,
                                 int64_t heads, int64_t kv_heads, int64_t key_dim, int64_t value_dim, float scale,
                                 float softcap, const loom_tensor *sinks, int32_t mask, int64_t window, float *out);

/* Multi-head latent attention (DeepSeek V2/V3, loom.mla_attend) over a LATENT cache whose row for position t
 * (row t of cache->keys, F32 or F16) is [c(t) (rank values) | k_pe(t) (rope_dim values)]. q_nope is
 * [n, heads, nope_dim], q_pe [n, heads, rope_dim] (rotated), kv_b [heads * (nope_dim + value_dim), rank] in any
 * dtype loom_k_linear takes: head h's rows are W_UK_h (nope_dim rows) then W_UV_h (value_dim rows). For query
 * i at p = start_pos + i and every t <= p:
 *   s(t) = scale * (q_nope_h . W_UK_h c(t) + q_pe_h . k_pe(t)),  out[i, h, :] = sum_t softmax(s)(t) W_UV_h c(t).
 * n <= absorb_max_tokens: the absorbed form (W_UK_h folded into the query, W_UV_h applied after attention over
 * the latent); otherwise the expanded form (the visible c(t) multiplied out by kv_b, block by block). */
void loom_k_mla_attention(const float *q_nope, const float *q_pe, int64_t n, int64_t start_pos,
                          const loom_cache_view *cache, const loom_tensor *kv_b, int64_t heads, int64_t nope_dim,
                          int64_t rope_dim, int64_t value_dim, int64_t rank, float scale, int64_t absorb_max_tokens,
                          float *out);

/* Gated DeltaNet (Qwen3-Next's linear attention) over tokens at positions start_pos .. start_pos + n - 1, reading
 * and updating the RECURRENT cache's state (ModelABI.h; start_pos 0 starts from zeros). Per token:
 *   - a causal depthwise convolution of conv_kernel taps, then SiLU, over the conv_channels = 2 k_heads k_dim +
 *     v_heads v_dim channels [q | k | v] (conv: [conv_channels, 1, conv_kernel]); the cache keeps the last
 *     conv_kernel - 1 inputs;
 *   - q and k L2-normalised per head (x / sqrt(sum x^2 + eps)), q scaled by 1 / sqrt(k_dim);
 *   - per value head h (key head h / (v_heads / k_heads)): decay g = -exp(a_log[h]) softplus(a[h] + dt_bias[h]),
 *     beta = sigmoid(b[h]); S <- S exp(g); S <- S + k (beta (v - S^T k))^T; out = S^T q, S [k_dim, v_dim].
 * q, k [n, k_heads, k_dim]; v, out [n, v_heads, v_dim]; a, b [n, v_heads]. One recurrent step per token, heads in
 * parallel: a chunk and the same tokens one by one give the same numbers. */
void loom_k_gated_delta_net(const float *q, const float *k, const float *v, const float *b, const float *a, int64_t n,
                            int64_t start_pos, const loom_cache_view *cache, const loom_tensor *conv,
                            const loom_tensor *a_log, const loom_tensor *dt_bias, int64_t k_heads, int64_t v_heads,
                            int64_t k_dim, int64_t v_dim, int64_t conv_kernel, float eps, float *out);

/* y[r, :] = rms_norm(x[r, :]) * (w_offset + w) * silu(gate[r, :]) for rows of d values (a gated RMSNorm: Qwen3-Next's
 * and Mamba-2's mixer outputs); y may alias x. */
void loom_k_gated_rms_norm(const float *x, const float *gate, int64_t rows, int64_t d, const loom_tensor *w, float eps,
                           float w_offset, float *y);

/* y[r, y_offset + j] = x[r, x_offset + j] for r < rows, j < width: a slice of x's rows (x_width values each)
 * into columns of y's (y_width each). */
void loom_k_copy_columns(const float *x, int64_t rows, int64_t x_width, int64_t x_offset, int64_t width, float *y,
                         int64_t y_width, int64_t y_offset);

/* y[i, :] = x[i, :] * (1 + scale * ln(1 + floor((start_pos + i + 1) / floor))) for rows of row_elems (Llama 4's
 * temperature tuning of NoPE-layer queries); y may alias x. */
void loom_k_attention_temperature(const float *x, int64_t n, int64_t row_elems, int64_t start_pos, float scale,
                                  int64_t floor, float *y);

/* out = silu(gate) * up. */
void loom_k_swiglu(const float *gate, const float *up, int64_t count, float *out);
/* out = gelu_tanh(gate) * up. */
void loom_k_geglu(const float *gate, const float *up, int64_t count, float *out);
/* out = (clamp(up, -limit, limit) + 1) * g * sigmoid(alpha * g), g = min(gate, limit): gpt-oss's clamped SwiGLU,
 * element for element what loom_k_experts computes for LOOM_EXPERT_SWIGLU_OAI; alpha, limit > 0. */
void loom_k_swiglu_oai(const float *gate, const float *up, int64_t count, float alpha, float limit, float *out);
/* out = sigmoid(gate) * x over count elements in rows of width: gate_width == width gates each element (gated
 * attention output), gate_width == 1 each row by one value (Qwen3-Next's shared expert). out may alias x. */
void loom_k_sigmoid_gate(const float *gate, const float *x, int64_t count, int64_t width, int64_t gate_width,
                         float *out);
/* out = gelu_tanh(x). */
void loom_k_gelu(const float *x, int64_t count, float *out);
/* gelu_tanh(x) and gelu_tanh(gate) * up as ggml computes them (the `ggml` numerics profile): x rounded to half
 * precision looks up a table of half-precision results; 0 for x <= -10, x for x >= 10. */
void loom_k_gelu_f16_table(const float *x, int64_t count, float *out);
void loom_k_geglu_f16_table(const float *gate, const float *up, int64_t count, float *out);
/* out = cap * tanh(x / cap), cap > 0 (Grok's router logits); out may alias x. */
void loom_k_softcap(const float *x, int64_t count, float cap, float *out);
/* out = x * factor (MiMo-V2-Flash's attention values); out may alias x. */
void loom_k_scale(const float *x, int64_t count, float factor, float *out);
/* out = a + b (out may alias a or b). */
void loom_k_add(const float *a, const float *b, int64_t count, float *out);

/* Mixture-of-experts routing flavours and expert activations (loom.route, loom.experts). Values are part of
 * the ABI. */
enum { LOOM_ROUTE_SOFTMAX_TOPK = 0, LOOM_ROUTE_TOPK_SOFTMAX = 1, LOOM_ROUTE_SIGMOID_TOPK = 2, LOOM_ROUTE_TOPK_SIGMOID = 3 };
enum { LOOM_EXPERT_SWIGLU = 0, LOOM_EXPERT_GEGLU = 1, LOOM_EXPERT_SWIGLU_OAI = 2 };
/* The ggml numerics profile's GeGLU (loom_k_geglu_f16_table): not an op's activation, chosen by the lowering. */
enum { LOOM_EXPERT_GEGLU_F16_TABLE = 3 };

/* For each of n tokens, the k experts its router logits [n, experts] choose (ids [n, k], best first) and their
 * weights [n, k], in the flavour `routing` (LOOM_ROUTE_*; docs/moe-mla-reference.md):
 *   SOFTMAX_TOPK: the k largest of softmax(logits), weights those probabilities;
 *   TOPK_SOFTMAX: the k largest logits, weights their softmax;
 *   SIGMOID_TOPK: s = sigmoid(logits); ranked by s + selection_bias (F32 [experts], may be NULL) within the
 *     group_k of `groups` equal groups whose two best biased scores sum highest; weights s;
 *   TOPK_SIGMOID: the k largest logits, weights their sigmoid.
 * Then normalize != 0 divides the weights by their sum, and they are multiplied by scale. Ties rank the lower
 * expert id first. */
void loom_k_route(const float *logits, int64_t n, int64_t experts, const loom_tensor *selection_bias,
                  int32_t routing, int64_t k, int64_t groups, int64_t group_k, int32_t normalize, float scale,
                  int32_t *ids, float *weights);

/* out[t] = sum over slots j of weights[t, j] * down_e(act(gate_e x[t] + gb_e, up_e x[t] + ub_e)) + db_e,
 * e = ids[t, j], summed in slot order; token by token (loom.experts as written). gate and up are stacked
 * [experts, hidden, d], down [experts, d, hidden], in any dtype loom_k_linear takes; the biases (all NULL or
 * all F32 [experts, hidden], [experts, hidden], [experts, d]). weight_input != 0 scales each expert's input by
 * its weight instead of its output (Llama 4). act is LOOM_EXPERT_*; alpha and limit parameterise SWIGLU_OAI. */
void loom_k_experts(const float *x, int64_t n, int64_t d, const int32_t *ids, const float *weights, int64_t k,
                    const loom_tensor *gate, const loom_tensor *up, const loom_tensor *down,
                    const loom_tensor *gate_bias, const loom_tensor *up_bias, const loom_tensor *down_bias,
                    int64_t experts, int64_t hidden, int32_t activation, float alpha, float limit,
                    int32_t weight_input, float *out);

/* Sorts the n * k (token, slot) pairs of ids [n, k] by expert, stably: order[j] = t * k + s for the j-th pair,
 * and expert e's pairs are order[offsets[e] .. offsets[e + 1]] (offsets has experts + 1 entries). */
void loom_k_moe_dispatch(const int32_t *ids, int64_t n, int64_t k, int64_t experts, int32_t *order,
                         int64_t *offsets);

/* out[j, :] = x[order[j] / k, :] (times weights[order[j]] when weights is not NULL), for j < n * k. */
void loom_k_moe_gather(const float *x, int64_t n, int64_t d, const int32_t *order, int64_t k,
                       const float *weights, float *out);

/* For each expert e: y[j, :] = x[j, :] . w_e^T (+ bias_e) for rows offsets[e] <= j < offsets[e + 1] of x
 * [rows, in], w stacked [experts, out, in] in any dtype loom_k_linear takes, bias F32 [experts, out] or NULL.
 * With shared ([out, in], not NULL) there is one more group, e = experts, whose matrix it is (offsets then has
 * experts + 2 entries); bias must then be NULL. */
void loom_k_grouped_linear(const float *x, int64_t in, const int64_t *offsets, int64_t experts,
                           const loom_tensor *w, int64_t out, const loom_tensor *bias, const loom_tensor *shared,
                           float *y);

/* The routing ids [n, k] and weights [n, k] with one more slot per token: ids_out[t, k] = expert and
 * weights_out[t, k] = 1, or sigmoid(gate[t]) when gate ([n, 1]) is not NULL. */
void loom_k_moe_append_shared(const int32_t *ids, const float *weights, const float *gate, int64_t n, int64_t k,
                              int32_t expert, int32_t *ids_out, float *weights_out);

/* out[t, :] = sum over slots s, in slot order, of weights[t, s] * y[j, :] where order[j] = t * k + s (weights
 * NULL: unweighted). */
void loom_k_moe_combine(const float *y, int64_t n, int64_t d, const int32_t *order, int64_t k,
                        const float *weights, float *out);

/* The layout loom_k_linear reads a weight [rows, columns] of `dtype` fastest in, when that is not the file's: its
 * loom_dtype, with the bytes it takes in *bytes; `dtype` itself (and *bytes 0) when the weight is best read as
 * it is. The runtime asks at load for the weights only loom_k_linear reads (LOOM_LAYOUT_PRODUCT_ROWS), with the
 * library's numerics profile (LOOM_NUMERICS_*): the ggml profile gets only the layouts whose products sum in
 * the order of the kernels llama.cpp runs on the matrices it repacks itself (Q4_0 on x86 with AVX2, in its
 * CPU_REPACK buffers); the fast profile packs Q4_1, Q8_0, Q4_K and Q6_K too. */
int64_t loom_k_linear_packed_dtype(int64_t dtype, int64_t rows, int64_t columns, int64_t numerics, int64_t *bytes);

/* Writes w [rows, columns] to out (of the bytes loom_k_linear_packed_dtype gave) in the layout it chose. */
void loom_k_pack_linear_weights(const loom_tensor *w, int64_t rows, int64_t columns, void *out);

/* Nonzero if loom_k_linear and loom_k_embedding take weights of this loom_dtype. The runtime asks when it
 * loads weights, so that a dtype the library cannot run is an error naming the tensor, not a kernel abort. */
int32_t loom_kernels_supports(int64_t dtype);

/* The kernel variant Halide's dispatch runs on this CPU: each kernel is compiled once per instruction set
 * (LOOM_KERNELS_HALIDE_TARGETS) and the best one the CPU has is picked at run time. */
const char *loom_kernels_variant(void);

/* NULL when this library's kernels can run on this machine, else why not (a CPU without the baseline
 * instruction set, a GPU kit without a CUDA driver or device). Checked when a model is created. */
const char *loom_kernels_unavailable(void);

/* The runtime is about to free or reuse the host memory [data, data + bytes), which held weights: a GPU
 * kit frees the device copies it kept of them (runtime/lib/kernels/DeviceCopies.h). No-op on a CPU kit. */
void loom_kernels_forget_device_copies(const void *data, int64_t bytes);

/* Threads used by every kernel; 0 means one per hardware thread. A count above LOOM_KERNELS_MAX_THREADS (the
 * most Halide's pool runs) is capped to it, and loom_kernels_num_threads reports the capped count. */
#define LOOM_KERNELS_MAX_THREADS 256
void loom_kernels_set_num_threads(int32_t n);
int32_t loom_kernels_num_threads(void);

/* Runs body(context, task) for every task in [0, tasks) on the kernels' pool (the calling thread works too),
 * so that the runtime needs no threads of its own. body must not fail. */
void loom_kernels_parallel_for(int32_t tasks, void (*body)(void *context, int32_t task), void *context);

#ifdef __cplusplus
}
#endif

#endif /* LOOM_RUNTIME_KERNELS_H */
