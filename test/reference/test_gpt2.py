"""GPT-2 end to end: a tiny GPT2LMHeadModel with random weights, run by Loom from what transformers and
llama.cpp's converter write.

* `loom import config.json` + `loom logits SPEC --weights model.safetensors` (transformers' own names: Conv1D
  weights stored [in, out], c_attn fusing q | k | v along its columns) against GPT2LMHeadModel, float32 and
  eager attention. Tolerance 1e-4 max-abs over every position, as in test_transformers_import.py.
* the same checkpoint saved without the "transformer." root and with the causal-mask buffers older
  checkpoints carry (GPT-2's own on the Hub): the same logits, bit for bit.
* incremental decode (`--decode-from K`) against one batched pass: 1e-5.
* the same weights as a gpt2 GGUF file, written as llama.cpp's converter writes one (projections transposed
  to [out, in], attn_qkv rows q | k | v), run with no spec (`loom import` of the file): bit for bit Loom's
  logits from the safetensors checkpoint, and, compiled with `--numerics ggml` (GELU through ggml's table of
  half-precision results indexed by the input rounded to F16), against llama.cpp (F32 KV cache) within 2e-3,
  the tolerance test_llamacpp_logits.py gives its other GELU model (gemma3-f32): an input that differs from
  llama.cpp's in its last bits now and then rounds to the neighbouring half (observed 3.5e-4; the fast
  profile's float32 GELU was 1.4e-3 away).
* a prompt longer than n_positions is an error that says so.
"""
import subprocess

import pytest

from gguf_models import GgufConfig, _vocabulary
from llamacpp import LlamaCpp, import_reference

VS_TRANSFORMERS = 1e-4
DECODE_VS_BATCHED = 1e-5
VS_LLAMACPP = 2e-3  # the GELU table's moved codes; see above
N_POSITIONS = 128
N_TOKENS = 100  # more than one of Loom's 64-token chunks, within n_positions
# A SentencePiece-style vocabulary llama.cpp accepts (gguf_models.py's); the model's vocab is its size.
VOCAB_CFG = GgufConfig(name="gpt2-vocab", arch="gpt2", dtype="F32", extra_vocab=41)
CONV1D = ("attn.c_attn.weight", "attn.c_proj.weight", "mlp.c_fc.weight", "mlp.c_proj.weight")


class Gpt2Case:
    """config.json + model.safetensors of a 3-layer GPT-2 (d 64, 4 heads), and the transformers model."""

    def __init__(self, ref, workdir):
        torch, t = ref.torch, ref.transformers
        self.ref, self.dir = ref, workdir
        self.config = t.GPT2Config(vocab_size=VOCAB_CFG.vocab, n_embd=64, n_layer=3, n_head=4,
                                   n_positions=N_POSITIONS, layer_norm_epsilon=1e-5, activation_function="gelu_new",
                                   resid_pdrop=0.0, embd_pdrop=0.0, attn_pdrop=0.0, bos_token_id=None,
                                   eos_token_id=None)
        self.config.save_pretrained(workdir)
        with torch.device("meta"):
            skeleton = t.GPT2LMHeadModel(self.config)
        gen = torch.Generator().manual_seed(11)
        self.tensors = {}
        for name, value in skeleton.state_dict().items():
            if name == "lm_head.weight":
                continue  # tied: the embedding
            shape = tuple(value.shape)
            if ".ln_" in name and name.endswith(".weight"):
                w = 0.5 + torch.rand(shape, generator=gen)  # LayerNorm scales in [0.5, 1.5]
            elif name.endswith("wte.weight") or name.endswith("wpe.weight"):
                w = (0.8 / self.config.n_embd ** 0.5) * torch.randn(shape, generator=gen)
            else:  # projections and every bias (LayerNorm's too)
                w = 0.08 * torch.randn(shape, generator=gen)
            self.tensors[name] = w.contiguous()
        self.weights = workdir / "model.safetensors"
        ref.safetensors_torch.save_file(self.tensors, str(self.weights), metadata={"format": "pt"})
        self.model = t.AutoModelForCausalLM.from_pretrained(workdir, dtype=torch.float32,
                                                            attn_implementation="eager")
        self.model.eval()
        assert type(self.model).__name__ == "GPT2LMHeadModel"
        state = self.model.state_dict()
        for name, value in self.tensors.items():
            assert torch.equal(state[name], value), f"transformers loaded '{name}' differently"

    def tokens(self, n, seed=5):
        ids = self.ref.np.random.default_rng(seed).integers(0, self.config.vocab_size, size=n)
        ids[n // 2] = self.config.vocab_size - 1
        return [int(i) for i in ids]

    def expected(self, tokens):
        torch = self.ref.torch
        with torch.no_grad():
            return self.model(input_ids=torch.tensor([tokens]), use_cache=False).logits[0].numpy()


@pytest.fixture(scope="module")
def case(ref, tmp_path_factory):
    return Gpt2Case(ref, tmp_path_factory.mktemp("gpt2"))


@pytest.fixture(scope="module")
def spec(case, loom):
    path = case.dir / "imported.loom"
    result = subprocess.run([str(loom.binary), "import", str(case.dir / "config.json"), "-o", str(path)],
                            capture_output=True, text=True)
    assert result.returncode == 0, f"loom import failed:\n{result.stderr}"
    assert "warning" not in result.stderr, result.stderr
    text = path.read_text()
    assert "positions = learned" in text and "LayerNorm" in text and "GeluMLP" in text, text
    return path


def test_imported_config_and_checkpoint_match_transformers(case, spec, loom, ref, record_diff):
    np = ref.np
    tokens = case.tokens(N_TOKENS)
    got = loom.logits(spec, case.weights, tokens, case.dir / "batched.f32", case.config.vocab_size)
    diff = float(np.abs(got.astype(np.float64) - case.expected(tokens)).max())
    record_diff("gpt2 imported from config.json, transformers checkpoint, every position", diff, VS_TRANSFORMERS)
    assert diff <= VS_TRANSFORMERS, f"gpt2 vs transformers max-abs {diff:.3e}\nspec:\n{spec.read_text()}"


def test_incremental_decode_matches_batched(case, spec, loom, ref, record_diff):
    np = ref.np
    tokens = case.tokens(N_TOKENS)
    batched = loom.logits(spec, case.weights, tokens, case.dir / "batched.f32", case.config.vocab_size)
    incremental = loom.logits(spec, case.weights, tokens, case.dir / "decode.f32", case.config.vocab_size,
                              decode_from=9)
    diff = float(np.abs(incremental.astype(np.float64) - batched).max())
    record_diff("gpt2 decode-from 9 vs batched", diff, DECODE_VS_BATCHED)
    assert diff <= DECODE_VS_BATCHED, f"gpt2 incremental vs batched max-abs {diff:.3e}"


def test_rootless_checkpoint_with_buffers_loads_the_same(case, spec, loom, ref, tmp_path):
    """GPT-2's own checkpoint was saved from GPT2Model: no "transformer." root, and the attention's causal
    mask and masked-score constant saved as tensors."""
    torch, np = ref.torch, ref.np
    bare = {name.removeprefix("transformer."): value for name, value in case.tensors.items()}
    for i in range(case.config.n_layer):
        bare[f"h.{i}.attn.bias"] = torch.tril(torch.ones(1, 1, N_POSITIONS, N_POSITIONS))
        bare[f"h.{i}.attn.masked_bias"] = torch.tensor(-1e4)
    path = tmp_path / "bare.safetensors"
    ref.safetensors_torch.save_file(bare, str(path))
    tokens = case.tokens(20)
    rooted = loom.logits(spec, case.weights, tokens, tmp_path / "rooted.f32", case.config.vocab_size)
    got = loom.logits(spec, path, tokens, tmp_path / "bare.f32", case.config.vocab_size)
    assert np.array_equal(got, rooted)


def test_prompt_longer_than_n_positions_is_an_error(case, spec, loom):
    result = loom.run(spec, case.weights, case.tokens(N_POSITIONS + 2), case.dir / "long.f32")
    assert result.returncode != 0
    assert f"exceeds the context" in result.stderr and f"capacity {N_POSITIONS}" in result.stderr, result.stderr


def write_gpt2_gguf(case, path, np, gguf):
    """The case's weights as llama.cpp's converter writes a GPT-2: Conv1D weights transposed to [out, in]."""
    cfg = case.config
    writer = gguf.GGUFWriter(str(path), "gpt2")
    writer.add_string("general.name", "Tiny GPT-2")
    writer.add_uint32("gpt2.context_length", cfg.n_positions)
    writer.add_uint32("gpt2.embedding_length", cfg.n_embd)
    writer.add_uint32("gpt2.block_count", cfg.n_layer)
    writer.add_uint32("gpt2.feed_forward_length", 4 * cfg.n_embd)
    writer.add_uint32("gpt2.attention.head_count", cfg.n_head)
    writer.add_float32("gpt2.attention.layer_norm_epsilon", cfg.layer_norm_epsilon)
    tokens, types, scores = _vocabulary(VOCAB_CFG)
    writer.add_tokenizer_model("llama")
    writer.add_token_list(tokens)
    writer.add_token_types(types)
    writer.add_token_scores(scores)
    names = {"wte.weight": "token_embd.weight", "wpe.weight": "position_embd.weight",
             "ln_f.weight": "output_norm.weight", "ln_f.bias": "output_norm.bias"}
    layer_names = {"ln_1": "attn_norm", "attn.c_attn": "attn_qkv", "attn.c_proj": "attn_output", "ln_2": "ffn_norm",
                   "mlp.c_fc": "ffn_up", "mlp.c_proj": "ffn_down"}
    for name, value in case.tensors.items():
        array = value.numpy().astype(np.float32)
        short = name.removeprefix("transformer.")
        if short in names:
            writer.add_tensor(names[short], array)
            continue
        _, layer, rest = short.split(".", 2)
        module, param = rest.rsplit(".", 1)
        if rest in CONV1D:
            array = np.ascontiguousarray(array.T)
        writer.add_tensor(f"blk.{layer}.{layer_names[module]}.{param}", array)
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()


def test_gguf_matches_safetensors_and_llamacpp(case, spec, loom, ref, tmp_path, record_diff):
    np, gguf, llama_cpp = import_reference()
    path = tmp_path / "gpt2.gguf"
    write_gpt2_gguf(case, path, np, gguf)
    result = subprocess.run([str(loom.binary), "import", str(path), "-o", "-"], capture_output=True, text=True)
    assert result.returncode == 0 and "positions = learned" in result.stdout, result.stderr
    tokens = case.tokens(N_TOKENS, seed=6)
    got = loom.logits(None, path, tokens, tmp_path / "gguf.f32", case.config.vocab_size)
    from_safetensors = loom.logits(spec, case.weights, tokens, tmp_path / "st.f32", case.config.vocab_size)
    assert np.array_equal(got, from_safetensors), (
        f"GGUF vs safetensors max-abs {np.abs(got - from_safetensors).max():.3e}")
    expected = LlamaCpp(llama_cpp, np, path, n_ctx=N_POSITIONS).logits(tokens)
    got = loom.logits(None, path, tokens, tmp_path / "ggml.f32", case.config.vocab_size, numerics="ggml")
    diff = float(np.abs(got.astype(np.float64) - expected).max())
    record_diff("gpt2 GGUF (F32) vs llama.cpp, every position", diff, VS_LLAMACPP)
    assert diff <= VS_LLAMACPP, f"gpt2 GGUF vs llama.cpp max-abs {diff:.3e}"
    agree = got.argmax(axis=1) == expected.argmax(axis=1)
    assert agree.all(), f"top-1 differs at positions {np.flatnonzero(~agree).tolist()}"
