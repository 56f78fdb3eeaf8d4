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
    arch: str  # "llama" | "qwen3" | "qwen3moe" | "gemma3" | "olmo2" | "smollm3" (llama.cpp architecture names)
    dtype: str  # matrices: "F32" | "F16" | "BF16" | "Q8_0" | "Q4_0" | "Q4_1" | "Q4_K" | "Q6_K" (k-quants: every
    # matrix's columns a multiple of 256)
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


def _store(np, gguf, value, dtype):
    """`value` (float32, numpy row-major [rows, cols], or stacked [experts, rows, cols]) as the raw array and
    type the writer takes."""
    q = gguf.GGMLQuantizationType
    if dtype == "F32":
        return value.astype(np.float32), None
    if dtype == "F16":
        return value.astype(np.float16), None
    if dtype in ("Q4_K", "Q6_K"):  # gguf.quants cannot encode these: ggml's own reference quantizer can
        from ggml_cpu import GgmlCpu

        kind = q[dtype]
        rows = GgmlCpu(np).quantize(int(kind), value.reshape(-1, value.shape[-1]))
        return rows.reshape(value.shape[:-1] + rows.shape[-1:]), kind
    kind = {"BF16": q.BF16, "Q8_0": q.Q8_0, "Q4_0": q.Q4_0, "Q4_1": q.Q4_1}[dtype]
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


def write_gguf(cfg, path, np, gguf):
    """Writes `cfg` with fixed-seed random weights to `path`."""
    rng = np.random.default_rng(cfg.seed)
    d, q, kv = cfg.d_model, cfg.heads * cfg.head_dim, cfg.kv_heads * cfg.head_dim
    writer = gguf.GGUFWriter(str(path), cfg.arch)
    a = cfg.arch
    writer.add_string("general.name", cfg.name)
    writer.add_uint32(f"{a}.context_length", cfg.context)
    writer.add_uint32(f"{a}.embedding_length", d)
    writer.add_uint32(f"{a}.block_count", cfg.n_layers)
    writer.add_uint32(f"{a}.feed_forward_length", cfg.hidden)
    writer.add_uint32(f"{a}.attention.head_count", cfg.heads)
    writer.add_uint32(f"{a}.attention.head_count_kv", cfg.kv_heads)
    writer.add_uint32(f"{a}.attention.key_length", cfg.head_dim)
    writer.add_uint32(f"{a}.attention.value_length", cfg.head_dim)
    writer.add_uint32(f"{a}.rope.dimension_count", cfg.head_dim)
    writer.add_float32(f"{a}.rope.freq_base", cfg.theta)
    writer.add_float32(f"{a}.attention.layer_norm_rms_epsilon", cfg.eps)
    writer.add_uint32(f"{a}.vocab_size", cfg.vocab)
    if a == "gemma3":
        writer.add_uint32(f"{a}.attention.sliding_window", cfg.sliding_window)
    if a == "qwen3moe":  # as convert_hf_to_gguf.py writes Qwen3-MoE's; llama.cpp renormalises the top-k itself
        writer.add_expert_count(cfg.experts)
        writer.add_expert_used_count(cfg.experts_used)
        writer.add_expert_feed_forward_length(cfg.expert_hidden)
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

    def store(name, value):
        data, kind = _store(np, gguf, value, cfg.dtype)
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
    for i in range(cfg.n_layers):
        p = f"blk.{i}."
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

    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
