"""Tiny random-weight models written as GGUF files with the PyPI `gguf` package (llama.cpp's own writer).

The files follow llama.cpp's conventions exactly as its converter writes them: `blk.N.*` tensor names, ggml
dimension order, the `llama` architecture's Q/K rows already in the order of ggml's "normal" (adjacent-pair)
RoPE, and a small SentencePiece vocabulary so that llama.cpp accepts the file. Both llama.cpp and Loom then
run the same file: llama.cpp through llama-cpp-python, Loom through `loom logits --weights FILE.gguf` with no
spec, so the architecture also goes through `loom import`.
"""
import dataclasses


@dataclasses.dataclass(frozen=True)
class GgufConfig:
    name: str
    arch: str  # "llama" | "qwen3" | "qwen3moe" | "gemma3" | "olmo2" | "smollm3" | "deepseek2" | "gpt-oss" | "glm4moe" |
    # "llama4" (llama.cpp architecture names)
    dtype: str  # matrices: "F32" | "F16" | "BF16" | "Q8_0" | "Q4_0" | "Q4_1" | "Q4_K" | "Q6_K" (k-quants: every
    # matrix's columns a multiple of 256); gpt-oss's experts may also be "MXFP4" (expert_dtype)
    n_layers: int = 2
    d_model: int = 64
    heads: int = 4
    kv_heads: int = 2
    head_dim: int = 16
    hidden: int = 128
    extra_vocab: int = 29  # normal tokens after the 3 specials and 256 byte tokens
    tied: bool = True
    theta: float = 10000.0
    eps: float = 1e-5
    seed: int = 0
    context: int = 256
    sliding_window: int = 8  # gemma3: the local layers' window (every sixth layer is global)
    fused_qkv: bool = False  # one attn_qkv matrix (rows q, k, v) instead of three
    # Llama 3.1 RoPE scaling (factor, low_freq_factor, high_freq_factor, original context), written as llama.cpp's
    # converter writes it: no metadata, a rope_freqs.weight table.
    llama3_scaling: tuple = None
    # Metadata `<arch>.rope.scaling.<key>` = value (e.g. {"type": "yarn", "factor": 4.0}).
    rope_scaling_keys: tuple = ()
    # qwen3moe: every layer's feed-forward is `experts` SwiGLU experts of width `expert_hidden`, `experts_used`
    # of them per token (llama.cpp reads no sparse-step key: all layers are sparse). `hidden` is then only
    # written as feed_forward_length, as the converter writes the dense width of Qwen3-MoE's config.
    experts: int = 8
    experts_used: int = 2
    expert_hidden: int = 32
    router_std: float = 0.5  # wide, so that no two experts come near a tie at the k-th place
    # deepseek2 (DeepSeek V3 as convert_hf_to_gguf.py's DeepseekV2Model writes it): latent attention of `heads` heads
    # (q_lora_rank 0: a plain q projection), `dense_layers` leading dense layers of width `hidden`, then MoE layers
    # of `experts` sigmoid-routed experts with a selection bias, `expert_groups` groups of which
    # `expert_groups_used` are kept, `shared_experts` shared experts, weights normalised and scaled by
    # `routed_scale`. split_kv_b: kv_b as the converter writes it since 2025 (attn_k_b transposed, attn_v_b, and
    # the latent row's lengths in key_length / value_length); False: one attn_kv_b, as older files have it.
    q_lora_rank: int = 32
    kv_lora_rank: int = 32
    nope_dim: int = 32
    rope_dim: int = 16
    value_dim: int = 32
    dense_layers: int = 1
    shared_experts: int = 1
    expert_groups: int = 4
    expert_groups_used: int = 2
    routed_scale: float = 2.5
    split_kv_b: bool = True
    # attn_k_b / attn_v_b (or attn_kv_b) in this type rather than the file's; "Q8_0>F32": F32 holding the values
    # the file's Q8_0 would.
    latent_dtype: str = None
    # YaRN's mscale_all_dim (deepseek2 writes 0.1 times it as rope.scaling.yarn_log_multiplier); None: not written.
    mscale_all_dim: float = None
    # gpt-oss: the experts' type when not the file's (llama.cpp's converter writes "MXFP4"), the stddev of the gate
    # and up projections (wide enough that the clamp at 7 bites), and the window of the even layers (sliding_window).
    expert_dtype: str = None
    gate_up_std: float = 0.4
    # glm4moe (GLM-4.5 as convert_hf_to_gguf.py's Glm4MoeModel writes it): q/k/v biases, a per-head QK-norm when
    # qk_norm, RoPE on rope_fraction of each head (NeoX pairing, rows as transformers has them), the pre-FFN norm
    # named post_attention_norm; `dense_layers` dense layers, then DeepSeek V3's routing (sigmoid, exp_probs_b,
    # weights renormalised when expert_weights_norm and scaled by `routed_scale`, no group limit), `shared_experts`
    # shared experts; `nextn_layers` multi-token-prediction layers after the model's, counted in block_count, which
    # llama.cpp loads and skips.
    qk_norm: bool = True
    rope_fraction: float = 0.5
    expert_weights_norm: bool = True
    nextn_layers: int = 0
    # "Q4_K_M": each matrix in the type llama.cpp's Q4_K_M quantization gives it (dtype is then "Q4_K").
    mixture: str = None
    # llama4 (Llama 4 as Llama4Model writes it): rows as transformers has them (adjacent-pair RoPE), every
    # `moe_step`-th layer a mixture of `experts` experts of width `expert_hidden` (top `experts_used` by sigmoid,
    # weighting the expert's input) plus one shared expert as wide, the other layers dense of width `hidden`.
    moe_step: int = 1
    # Metadata keys (full names) and tensors left out of the file: the importer's and loader's errors for them.
    drop: tuple = ()

    @property
    def vocab(self):
        return 3 + 256 + self.extra_vocab


def _vocabulary(cfg):
    """A SentencePiece-style vocabulary: <unk> <s> </s>, the 256 byte tokens, then plain pieces."""
    tokens = ["<unk>", "<s>", "</s>"] + [f"<0x{b:02X}>" for b in range(256)]
    tokens += [f"\u2581t{i}" for i in range(cfg.extra_vocab)]
    # llama.cpp token types: 1 normal, 2 unknown, 3 control, 6 byte.
    types = [2, 3, 3] + [6] * 256 + [1] * cfg.extra_vocab
    scores = [0.0, 0.0, 0.0] + [0.0] * 256 + [-float(i) for i in range(cfg.extra_vocab)]
    return tokens, types, scores


def _q4_k_m_type(name, n_layers):
    """The type llama.cpp's quantizer gives `name` in a Q4_K_M file (llama_tensor_get_type): Q6_K for the output
    matrix (a tied token_embd is it), and for attn_v and ffn_down in the layers use_more_bits picks (the first and
    last eighth, every third between); Q4_K elsewhere."""
    if name in ("output.weight", "token_embd.weight"):
        return "Q6_K"
    if name.endswith(("attn_v.weight", "ffn_down.weight")):
        layer = int(name.split(".")[1])
        if layer < n_layers // 8 or layer >= 7 * n_layers // 8 or (layer - n_layers // 8) % 3 == 2:
            return "Q6_K"
    return "Q4_K"


def _store(np, gguf, value, dtype):
    """`value` (float32, numpy row-major [rows, cols], or stacked [experts, rows, cols]) as the raw array and
    type the writer takes."""
    q = gguf.GGMLQuantizationType
    if dtype.endswith(">F32"):  # quantized, then widened back: F32 holding exactly the quantized values
        kind = q[dtype[:-4]]
        return gguf.quants.dequantize(gguf.quants.quantize(value.astype(np.float32), kind), kind), None
    if dtype == "F32":
        return value.astype(np.float32), None
    if dtype == "F16":
        return value.astype(np.float16), None
    if dtype in ("Q4_K", "Q6_K"):  # gguf.quants cannot encode these: ggml's own reference quantizer can
        from ggml_cpu import GgmlCpu

        kind = q[dtype]
        rows = GgmlCpu(np).quantize(int(kind), value.reshape(-1, value.shape[-1]))
        return rows.reshape(value.shape[:-1] + rows.shape[-1:]), kind
    kind = {"BF16": q.BF16, "Q8_0": q.Q8_0, "Q4_0": q.Q4_0, "Q4_1": q.Q4_1, "MXFP4": q.MXFP4}[dtype]
    return gguf.quants.quantize(value.astype(np.float32), kind), kind


def llama3_rope_freqs(np, theta, dims, factor, low, high, original):
    """rope_freqs.weight as convert_hf_to_gguf.py computes it: F32 inverse frequencies, the bands and the blend
    of each pair in double, one F32 divisor per pair (1: kept, factor: divided)."""
    import math

    freqs = np.float32(1) / np.power(np.float32(theta), np.arange(0, dims, 2, dtype=np.float32) / np.float32(dims))
    divisors = []
    for freq in freqs:
        wavelength = 2 * math.pi / float(freq)
        if wavelength < original / high:
            divisors.append(1.0)
        elif wavelength > original / low:
            divisors.append(factor)
        else:
            smooth = (original / wavelength - low) / (high - low)
            divisors.append(1 / ((1 - smooth) / factor + smooth))
    return np.array(divisors, dtype=np.float32)


def _deepseek2_metadata(cfg, writer):
    """What DeepseekV2Model.set_gguf_parameters writes beyond the common keys (head_count_kv 1: MLA as MQA)."""
    a, rank, rope = cfg.arch, cfg.kv_lora_rank, cfg.rope_dim
    if cfg.split_kv_b:  # the latent row, then the per-head widths
        writer.add_uint32(f"{a}.attention.head_count_kv", 1)
        writer.add_uint32(f"{a}.attention.key_length", rank + rope)
        writer.add_uint32(f"{a}.attention.value_length", rank)
        writer.add_uint32(f"{a}.attention.key_length_mla", cfg.nope_dim + rope)
        writer.add_uint32(f"{a}.attention.value_length_mla", cfg.value_dim)
    else:  # older converters: per-head widths, as many KV heads as heads
        writer.add_uint32(f"{a}.attention.head_count_kv", cfg.heads)
        writer.add_uint32(f"{a}.attention.key_length", cfg.nope_dim + rope)
        writer.add_uint32(f"{a}.attention.value_length", cfg.value_dim)
    writer.add_uint32(f"{a}.rope.dimension_count", rope)
    if cfg.q_lora_rank:
        writer.add_uint32(f"{a}.attention.q_lora_rank", cfg.q_lora_rank)
    writer.add_uint32(f"{a}.attention.kv_lora_rank", rank)
    writer.add_uint32(f"{a}.leading_dense_block_count", cfg.dense_layers)
    writer.add_expert_count(cfg.experts)
    writer.add_expert_used_count(cfg.experts_used)
    writer.add_uint32(f"{a}.expert_group_count", cfg.expert_groups)
    writer.add_uint32(f"{a}.expert_group_used_count", cfg.expert_groups_used)
    writer.add_uint32(f"{a}.expert_gating_func", 2)  # sigmoid
    writer.add_expert_feed_forward_length(cfg.expert_hidden)
    writer.add_uint32(f"{a}.expert_shared_count", cfg.shared_experts)
    writer.add_float32(f"{a}.expert_weights_scale", cfg.routed_scale)
    writer.add_bool(f"{a}.expert_weights_norm", True)


def _deepseek2_layer(cfg, i, np, writer, random, store, norm, matrix):
    """One layer in the converter's layout: the attention projections as transformers has them (no RoPE row
    reordering), kv_b split per head into its key half transposed and its value half when split_kv_b, then a
    dense FFN or the router (F32), selection bias (exp_probs_b, F32), stacked experts and shared expert."""
    p, d, h = f"blk.{i}.", cfg.d_model, cfg.heads
    qk, rank = cfg.nope_dim + cfg.rope_dim, cfg.kv_lora_rank
    norm(p + "attn_norm.weight", d)
    if cfg.q_lora_rank:
        matrix(p + "attn_q_a.weight", cfg.q_lora_rank, d, 0.08)
        norm(p + "attn_q_a_norm.weight", cfg.q_lora_rank)
        matrix(p + "attn_q_b.weight", h * qk, cfg.q_lora_rank, 0.15)
    else:
        matrix(p + "attn_q.weight", h * qk, d, 0.08)
    matrix(p + "attn_kv_a_mqa.weight", rank + cfg.rope_dim, d, 0.08)
    norm(p + "attn_kv_a_norm.weight", rank)
    kv_b = random(h * (cfg.nope_dim + cfg.value_dim), rank, 0.15)
    if cfg.split_kv_b:
        per_head = kv_b.reshape(h, cfg.nope_dim + cfg.value_dim, rank)
        store(p + "attn_k_b.weight", np.ascontiguousarray(per_head[:, :cfg.nope_dim, :].transpose(0, 2, 1)),
              cfg.latent_dtype)
        store(p + "attn_v_b.weight", np.ascontiguousarray(per_head[:, cfg.nope_dim:, :]), cfg.latent_dtype)
    else:
        store(p + "attn_kv_b.weight", kv_b, cfg.latent_dtype)
    matrix(p + "attn_output.weight", d, h * cfg.value_dim, 0.08)
    norm(p + "ffn_norm.weight", d)
    if i < cfg.dense_layers:
        matrix(p + "ffn_gate.weight", cfg.hidden, d, 0.08)
        matrix(p + "ffn_up.weight", cfg.hidden, d, 0.08)
        matrix(p + "ffn_down.weight", d, cfg.hidden, 0.08)
        return
    e, eh, sh = cfg.experts, cfg.expert_hidden, cfg.expert_hidden * cfg.shared_experts
    writer.add_tensor(p + "ffn_gate_inp.weight", random(e, d, cfg.router_std))
    writer.add_tensor(p + "exp_probs_b.bias", random(1, e, 0.2).reshape(e))
    store(p + "ffn_gate_exps.weight", random(e * eh, d, 0.08).reshape(e, eh, d))
    store(p + "ffn_up_exps.weight", random(e * eh, d, 0.08).reshape(e, eh, d))
    store(p + "ffn_down_exps.weight", random(e * d, eh, 0.08).reshape(e, d, eh))
    matrix(p + "ffn_gate_shexp.weight", sh, d, 0.08)
    matrix(p + "ffn_up_shexp.weight", sh, d, 0.08)
    matrix(p + "ffn_down_shexp.weight", d, sh, 0.08)


def _gpt_oss_layer(cfg, i, np, writer, random, store, norm, matrix):
    """One layer as llama.cpp's gpt-oss converter writes it: attention with biases and sinks (F32), the pre-FFN
    norm named post_attention_norm, the router with its bias (F32), gate and up experts already apart (the
    converter takes the interleaved columns apart) with F32 biases, down experts."""
    p, d = f"blk.{i}.", cfg.d_model
    q, kv = cfg.heads * cfg.head_dim, cfg.kv_heads * cfg.head_dim
    e, eh = cfg.experts, cfg.expert_hidden

    def bias(name, *shape):
        writer.add_tensor(name, random(1, int(np.prod(shape)), 0.3).reshape(shape))

    norm(p + "attn_norm.weight", d)
    for role, rows in (("attn_q", q), ("attn_k", kv), ("attn_v", kv)):
        matrix(p + role + ".weight", rows, d, 0.08)
        bias(p + role + ".bias", rows)
    matrix(p + "attn_output.weight", d, q, 0.08)
    bias(p + "attn_output.bias", d)
    writer.add_tensor(p + "attn_sinks.weight", random(1, cfg.heads, 1.0).reshape(cfg.heads))
    norm(p + "post_attention_norm.weight", d)
    writer.add_tensor(p + "ffn_gate_inp.weight", random(e, d, cfg.router_std))
    bias(p + "ffn_gate_inp.bias", e)
    experts = cfg.expert_dtype or cfg.dtype
    store(p + "ffn_gate_exps.weight", random(e * eh, d, cfg.gate_up_std).reshape(e, eh, d), experts)
    bias(p + "ffn_gate_exps.bias", e, eh)
    store(p + "ffn_up_exps.weight", random(e * eh, d, cfg.gate_up_std).reshape(e, eh, d), experts)
    bias(p + "ffn_up_exps.bias", e, eh)
    store(p + "ffn_down_exps.weight", random(e * d, eh, 0.05).reshape(e, d, eh), experts)
    bias(p + "ffn_down_exps.bias", e, d)


def _glm4moe_metadata(cfg, writer):
    """What Glm4MoeModel.set_gguf_parameters writes beyond the common keys."""
    a = cfg.arch
    writer.add_expert_count(cfg.experts)
    writer.add_expert_used_count(cfg.experts_used)
    writer.add_expert_feed_forward_length(cfg.expert_hidden)
    writer.add_uint32(f"{a}.expert_shared_count", cfg.shared_experts)
    writer.add_uint32(f"{a}.leading_dense_block_count", cfg.dense_layers)
    writer.add_uint32(f"{a}.expert_gating_func", 2)  # sigmoid
    writer.add_float32(f"{a}.expert_weights_scale", cfg.routed_scale)
    writer.add_bool(f"{a}.expert_weights_norm", cfg.expert_weights_norm)
    if cfg.nextn_layers:
        writer.add_uint32(f"{a}.nextn_predict_layers", cfg.nextn_layers)


def _glm4moe_layer(cfg, i, np, writer, random, store, norm, matrix):
    """One layer as the converter writes it: q/k/v with F32 biases, the output projection without, per-head QK-norm
    (if any), the pre-FFN norm as post_attention_norm, then a dense FFN or the router (F32), its selection bias
    (exp_probs_b, F32), stacked experts and the shared experts. A multi-token-prediction layer (i >= n_layers) is
    a sparse layer plus its own projection and norms (nextn.*)."""
    p, d = f"blk.{i}.", cfg.d_model
    q, kv = cfg.heads * cfg.head_dim, cfg.kv_heads * cfg.head_dim
    norm(p + "attn_norm.weight", d)
    for role, rows in (("attn_q", q), ("attn_k", kv), ("attn_v", kv)):
        matrix(p + role + ".weight", rows, d, 0.08)
        writer.add_tensor(p + role + ".bias", random(1, rows, 0.3).reshape(rows))
    matrix(p + "attn_output.weight", d, q, 0.08)
    if cfg.qk_norm:
        norm(p + "attn_q_norm.weight", cfg.head_dim)
        norm(p + "attn_k_norm.weight", cfg.head_dim)
    norm(p + "post_attention_norm.weight", d)
    if i < cfg.dense_layers:
        matrix(p + "ffn_gate.weight", cfg.hidden, d, 0.08)
        matrix(p + "ffn_up.weight", cfg.hidden, d, 0.08)
        matrix(p + "ffn_down.weight", d, cfg.hidden, 0.08)
    else:
        e, eh, sh = cfg.experts, cfg.expert_hidden, cfg.expert_hidden * cfg.shared_experts
        writer.add_tensor(p + "ffn_gate_inp.weight", random(e, d, cfg.router_std))
        writer.add_tensor(p + "exp_probs_b.bias", random(1, e, 0.2).reshape(e))
        store(p + "ffn_gate_exps.weight", random(e * eh, d, 0.08).reshape(e, eh, d))
        store(p + "ffn_up_exps.weight", random(e * eh, d, 0.08).reshape(e, eh, d))
        store(p + "ffn_down_exps.weight", random(e * d, eh, 0.08).reshape(e, d, eh))
        matrix(p + "ffn_gate_shexp.weight", sh, d, 0.08)
        matrix(p + "ffn_up_shexp.weight", sh, d, 0.08)
        matrix(p + "ffn_down_shexp.weight", d, sh, 0.08)
    if i >= cfg.n_layers:
        matrix(p + "nextn.eh_proj.weight", d, 2 * d, 0.08)
        norm(p + "nextn.enorm.weight", d)
        norm(p + "nextn.hnorm.weight", d)
        norm(p + "nextn.shared_head_norm.weight", d)


def _llama4_layer(cfg, i, np, writer, random, store, norm, matrix):
    """One layer as Llama4Model writes it: the attention projections (rows as transformers rotates them), the
    pre-FFN norm, then a dense FFN or the router (F32), the experts (gate_up_proj taken apart and transposed back)
    and the shared expert."""
    p, d = f"blk.{i}.", cfg.d_model
    q, kv = cfg.heads * cfg.head_dim, cfg.kv_heads * cfg.head_dim
    norm(p + "attn_norm.weight", d)
    for role, rows in (("attn_q", q), ("attn_k", kv), ("attn_v", kv)):
        matrix(p + role + ".weight", rows, d, 0.08)
    matrix(p + "attn_output.weight", d, q, 0.08)
    norm(p + "ffn_norm.weight", d)
    if (i + 1) % cfg.moe_step != 0:
        matrix(p + "ffn_gate.weight", cfg.hidden, d, 0.08)
        matrix(p + "ffn_up.weight", cfg.hidden, d, 0.08)
        matrix(p + "ffn_down.weight", d, cfg.hidden, 0.08)
        return
    e, eh = cfg.experts, cfg.expert_hidden
    writer.add_tensor(p + "ffn_gate_inp.weight", random(e, d, cfg.router_std))
    store(p + "ffn_gate_exps.weight", random(e * eh, d, 0.08).reshape(e, eh, d))
    store(p + "ffn_up_exps.weight", random(e * eh, d, 0.08).reshape(e, eh, d))
    store(p + "ffn_down_exps.weight", random(e * d, eh, 0.08).reshape(e, d, eh))
    matrix(p + "ffn_gate_shexp.weight", eh, d, 0.08)
    matrix(p + "ffn_up_shexp.weight", eh, d, 0.08)
    matrix(p + "ffn_down_shexp.weight", d, eh, 0.08)


def write_gguf(cfg, path, np, gguf):
    """Writes `cfg` with fixed-seed random weights to `path`."""
    rng = np.random.default_rng(cfg.seed)
    d, q, kv = cfg.d_model, cfg.heads * cfg.head_dim, cfg.kv_heads * cfg.head_dim
    writer = gguf.GGUFWriter(str(path), cfg.arch)
    a = cfg.arch
    writer.add_string("general.name", cfg.name)
    writer.add_uint32(f"{a}.context_length", cfg.context)
    writer.add_uint32(f"{a}.embedding_length", d)
    writer.add_uint32(f"{a}.block_count", cfg.n_layers + cfg.nextn_layers)
    writer.add_uint32(f"{a}.feed_forward_length", cfg.hidden)
    writer.add_uint32(f"{a}.attention.head_count", cfg.heads)
    if a == "deepseek2":
        _deepseek2_metadata(cfg, writer)
    else:
        writer.add_uint32(f"{a}.attention.head_count_kv", cfg.kv_heads)
        writer.add_uint32(f"{a}.attention.key_length", cfg.head_dim)
        writer.add_uint32(f"{a}.attention.value_length", cfg.head_dim)
        writer.add_uint32(f"{a}.rope.dimension_count",
                          int(cfg.head_dim * cfg.rope_fraction) if a == "glm4moe" else cfg.head_dim)
    writer.add_float32(f"{a}.rope.freq_base", cfg.theta)
    writer.add_float32(f"{a}.attention.layer_norm_rms_epsilon", cfg.eps)
    writer.add_uint32(f"{a}.vocab_size", cfg.vocab)
    if a in ("gemma3", "gpt-oss"):
        writer.add_uint32(f"{a}.attention.sliding_window", cfg.sliding_window)
    if a == "gpt-oss":  # as the converter writes it: the expert width is the config's intermediate_size
        writer.add_expert_count(cfg.experts)
        writer.add_expert_used_count(cfg.experts_used)
        writer.add_expert_feed_forward_length(cfg.expert_hidden)
    if a == "qwen3moe":  # as convert_hf_to_gguf.py writes Qwen3-MoE's; llama.cpp renormalises the top-k itself
        writer.add_expert_count(cfg.experts)
        writer.add_expert_used_count(cfg.experts_used)
        writer.add_expert_feed_forward_length(cfg.expert_hidden)
    if a == "glm4moe":
        _glm4moe_metadata(cfg, writer)
    if a == "llama4":  # expert_feed_forward_length is the config's intermediate_size, the dense width its _mlp
        writer.add_expert_count(cfg.experts)
        writer.add_expert_used_count(cfg.experts_used)
        writer.add_expert_feed_forward_length(cfg.expert_hidden)
        writer.add_uint32(f"{a}.interleave_moe_layer_step", cfg.moe_step)
    if cfg.mscale_all_dim is not None:  # DeepseekV2Model's legacy spelling: 0.1 * mscale_all_dim
        writer.add_float32(f"{a}.rope.scaling.yarn_log_multiplier", 0.1 * cfg.mscale_all_dim)
    for key, value in cfg.rope_scaling_keys:
        if isinstance(value, str):
            writer.add_string(f"{a}.rope.scaling.{key}", value)
        elif isinstance(value, int):
            writer.add_uint32(f"{a}.rope.scaling.{key}", value)
        else:
            writer.add_float32(f"{a}.rope.scaling.{key}", value)
    tokens, types, scores = _vocabulary(cfg)
    writer.add_tokenizer_model("llama")
    writer.add_token_list(tokens)
    writer.add_token_types(types)
    writer.add_token_scores(scores)
    writer.add_uint32("tokenizer.ggml.unknown_token_id", 0)
    writer.add_uint32("tokenizer.ggml.bos_token_id", 1)
    writer.add_uint32("tokenizer.ggml.eos_token_id", 2)

    def random(rows, cols, std):
        return (std * rng.standard_normal((rows, cols))).astype(np.float32)

    def store(name, value, dtype=None):
        if cfg.mixture == "Q4_K_M" and dtype is None:
            dtype = _q4_k_m_type(name, cfg.n_layers)
        data, kind = _store(np, gguf, value, dtype or cfg.dtype)
        writer.add_tensor(name, data, raw_dtype=kind)

    def matrix(name, rows, cols, std):
        store(name, random(rows, cols, std))

    def norm(name, size):
        # Scales in [0.5, 1.5] so that the norms matter; vectors stay F32 as llama.cpp's converter keeps them.
        writer.add_tensor(name, (0.5 + rng.random(size)).astype(np.float32))

    embed_std = 0.8 / d ** 0.5
    if cfg.llama3_scaling:
        writer.add_tensor("rope_freqs.weight", llama3_rope_freqs(np, cfg.theta, cfg.head_dim, *cfg.llama3_scaling))
    matrix("token_embd.weight", cfg.vocab, d, embed_std)
    tensors = dict(random=random, store=store, norm=norm, matrix=matrix)
    for i in range(cfg.n_layers + cfg.nextn_layers):
        p = f"blk.{i}."
        if cfg.arch == "glm4moe":
            _glm4moe_layer(cfg, i, np, writer, **tensors)
            continue
        if cfg.arch == "llama4":
            _llama4_layer(cfg, i, np, writer, **tensors)
            continue
        if cfg.arch == "deepseek2":
            _deepseek2_layer(cfg, i, np, writer, **tensors)
            continue
        if cfg.arch == "gpt-oss":
            _gpt_oss_layer(cfg, i, np, writer, **tensors)
            continue
        post_norm_only = cfg.arch == "olmo2"  # OLMo 2: norms after attention and FFN only, none before
        if not post_norm_only:
            norm(p + "attn_norm.weight", d)
        # The same random values either way, so fused and split files hold the same model.
        q_k_v = [random(q, d, 0.08), random(kv, d, 0.08), random(kv, d, 0.08)]
        if cfg.fused_qkv:
            store(p + "attn_qkv.weight", np.concatenate(q_k_v))
        else:
            for role, value in zip(("attn_q", "attn_k", "attn_v"), q_k_v):
                store(p + role + ".weight", value)
        matrix(p + "attn_output.weight", d, q, 0.08)
        if cfg.arch in ("qwen3", "qwen3moe", "gemma3"):
            norm(p + "attn_q_norm.weight", cfg.head_dim)
            norm(p + "attn_k_norm.weight", cfg.head_dim)
        if cfg.arch == "olmo2":  # one norm over the whole q (and k) projection
            norm(p + "attn_q_norm.weight", q)
            norm(p + "attn_k_norm.weight", kv)
        if cfg.arch in ("gemma3", "olmo2"):  # (Gemma stores its scales as 1 + w: these values stand for that)
            norm(p + "post_attention_norm.weight", d)
        if not post_norm_only:
            norm(p + "ffn_norm.weight", d)
        if cfg.arch == "qwen3moe":
            e, h = cfg.experts, cfg.expert_hidden
            # The router stays F32 whatever the file's type, as both llama.cpp's converter and its quantizer
            # keep it (ggml {d, E}); the experts are stacked, ggml {d, I, E} and {I, d, E}.
            writer.add_tensor(p + "ffn_gate_inp.weight", random(e, d, cfg.router_std))
            store(p + "ffn_gate_exps.weight", random(e * h, d, 0.08).reshape(e, h, d))
            store(p + "ffn_up_exps.weight", random(e * h, d, 0.08).reshape(e, h, d))
            store(p + "ffn_down_exps.weight", random(e * d, h, 0.08).reshape(e, d, h))
        else:
            matrix(p + "ffn_gate.weight", cfg.hidden, d, 0.08)
            matrix(p + "ffn_up.weight", cfg.hidden, d, 0.08)
            matrix(p + "ffn_down.weight", d, cfg.hidden, 0.08)
        if cfg.arch in ("gemma3", "olmo2"):
            norm(p + "post_ffw_norm.weight", d)
    norm("output_norm.weight", d)
    if not cfg.tied:
        matrix("output.weight", cfg.vocab, d, embed_std)

    for name in cfg.drop:
        dropped = [shard.pop(name, None) for shard in writer.kv_data + writer.tensors]
        assert any(d is not None for d in dropped), f"{name} is not in the file"
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
