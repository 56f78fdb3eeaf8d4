#!/usr/bin/env python3
"""Writes the binary seed inputs of the fuzzers into test/fuzz/corpus/ (committed; rerun after changing this).

Seeds are small *valid* files, so that libFuzzer starts from inputs that pass the readers' checks and
reaches the code behind them (metadata values, tensor data, the checkpoint loader, the tokenizer) rather
than spending its time rediscovering the headers. The tensors match the one-layer manifest of
FuzzCheckpoint.h, so some seeds load completely.

Usage: build/venv/bin/python test/fuzz/make_corpus.py     (needs numpy and the `gguf` package)
The hand-written text seeds (parser specs, tokenizer texts) live next to the generated ones.
"""
import json
import struct
from pathlib import Path

import gguf
import numpy as np

CORPUS = Path(__file__).resolve().parent / "corpus"

# FuzzCheckpoint.h's manifest in Loom's row-major order, by GGUF and Hugging Face name.
WEIGHTS = [
    # (GGUF name, Hugging Face name, Loom name, shape)
    ("token_embd.weight", "model.embed_tokens.weight", "embedding.weight", (8, 4)),
    ("blk.0.attn_norm.weight", "model.layers.0.input_layernorm.weight", "layers.0.attn_norm.weight", (4,)),
    ("blk.0.attn_q.weight", "model.layers.0.self_attn.q_proj.weight", "layers.0.attention.q_proj.weight", (4, 32)),
    ("blk.0.attn_q.bias", "model.layers.0.self_attn.q_proj.bias", "layers.0.attention.q_proj.bias", (4,)),
    ("output_norm.weight", "model.norm.weight", "final_norm.weight", (4,)),
]


def values(shape, seed):
    return np.random.default_rng(seed).standard_normal(shape).astype(np.float32)


def gguf_file(path, arch, tensor_types, extra_metadata=None, tokenizer=None):
    """A GGUF v3 file with the manifest's tensors, each in the type `tensor_types[gguf name]` (F32 default)."""
    writer = gguf.GGUFWriter(str(path), arch)
    writer.add_name("fuzz seed")
    writer.add_block_count(1)
    writer.add_context_length(8)
    writer.add_embedding_length(4)
    writer.add_feed_forward_length(8)
    writer.add_head_count(1)
    writer.add_layer_norm_rms_eps(1e-6)
    for key, (kind, value) in (extra_metadata or {}).items():
        getattr(writer, "add_" + kind)(key, value)
    if tokenizer:
        tokenizer(writer)
    for i, (name, _, _, shape) in enumerate(WEIGHTS):
        data = values(shape, i)
        kind = tensor_types.get(name, gguf.GGMLQuantizationType.F32)
        if kind == gguf.GGMLQuantizationType.F32:
            writer.add_tensor(name, data)
        elif kind == gguf.GGMLQuantizationType.F16:
            writer.add_tensor(name, data.astype(np.float16))
        else:
            writer.add_tensor(name, gguf.quants.quantize(data, kind), raw_dtype=kind)
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()


def byte_level_tokenizer(writer):
    """A tiny byte-level BPE vocabulary: the printable bytes, a few merges, two control tokens."""
    tokens = [chr(c) for c in range(ord("!"), ord("~") + 1)] + ["Ġ", "Ċ", "he", "ll", "hell", "hello", "Ġt"]
    tokens += ["<|im_start|>", "<|im_end|>"]
    writer.add_tokenizer_model("gpt2")
    writer.add_tokenizer_pre("qwen2")
    writer.add_token_list(tokens)
    writer.add_token_types([1] * (len(tokens) - 2) + [3, 3])
    writer.add_token_merges(["h e", "l l", "he ll", "hell o", "Ġ t"])
    writer.add_bos_token_id(len(tokens) - 2)
    writer.add_eos_token_id(len(tokens) - 1)
    writer.add_chat_template("{% for m in messages %}<|im_start|>{{ m.content }}<|im_end|>{% endfor %}")


def sentencepiece_tokenizer(writer):
    """A tiny SentencePiece vocabulary: unknown/control tokens, byte fallback for a few bytes, pieces."""
    tokens = ["<unk>", "<s>", "</s>"] + [f"<0x{b:02X}>" for b in (0x0A, 0x20, 0xC3, 0xA9)]
    tokens += ["▁", "▁hello", "h", "e", "l", "o", "he", "ll", "é"]
    types = [2, 3, 3] + [6] * 4 + [1] * 9
    writer.add_tokenizer_model("llama")
    writer.add_token_list(tokens)
    writer.add_token_types(types)
    writer.add_token_scores([-float(i) for i in range(len(tokens))])
    writer.add_bos_token_id(1)
    writer.add_eos_token_id(2)
    writer.add_unk_token_id(0)
    writer.add_add_bos_token(True)
    writer.add_add_space_prefix(True)


def safetensors_file(path, names, dtype, metadata=None):
    """A safetensors file (the format is a JSON header and raw little-endian data, written by hand)."""
    header, blobs, offset = {}, [], 0
    if metadata:
        header["__metadata__"] = metadata
    for i, (_, hf_name, loom_name, shape) in enumerate(WEIGHTS):
        data = values(shape, i)
        if dtype == "F16":
            blob = data.astype("<f2").tobytes()
        elif dtype == "BF16":
            blob = (data.view("<u4") >> 16).astype("<u2").tobytes()
        else:
            blob = data.astype("<f4").tobytes()
        name = hf_name if names == "hf" else loom_name
        header[name] = {"dtype": dtype, "shape": list(shape), "data_offsets": [offset, offset + len(blob)]}
        blobs.append(blob)
        offset += len(blob)
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)  # the writers pad the header to 8 bytes
    path.write_bytes(struct.pack("<Q", len(text)) + text + b"".join(blobs))


# Texts for the tokenizer fuzzer's fixed vocabularies. Its first input byte picks the vocabulary (byte % 8:
# seven byte-level pre-tokenizers, then SentencePiece) and the flags (0x40 parse special tokens, 0x80 add
# BOS/EOS); each text goes to every vocabulary, and two with the flags.
TEXTS = [
    "Hello world! The theory's 123 cats.\n\nNew  paragraph\twith tabs",
    "caf\u00e9 na\u00efve \u65e5\u672c\u8a9e \U0001F600 emoji",
    "<|im_start|>user\nhello<|im_end|> <special> <s>hello</s>",
    "   leading spaces, 1234567 digits, x y merges, 'll 've 're contractions",
]


def main():
    T = gguf.GGMLQuantizationType
    gguf_dir = CORPUS / "gguf"
    tokenizer_dir = CORPUS / "tokenizer"
    safetensors_dir = CORPUS / "safetensors"
    for d in (gguf_dir, tokenizer_dir, safetensors_dir):
        d.mkdir(parents=True, exist_ok=True)

    gguf_file(gguf_dir / "llama-f32.gguf", "llama", {})
    gguf_file(gguf_dir / "llama-f16-q8_0.gguf", "llama",
              {"token_embd.weight": T.F16, "blk.0.attn_q.weight": T.Q8_0, "output_norm.weight": T.F16})
    gguf_file(gguf_dir / "qwen2-bf16-q4.gguf", "qwen2",
              {"token_embd.weight": T.BF16, "blk.0.attn_q.weight": T.Q4_0})
    # Every metadata value type, arrays of several element types included.
    gguf_file(gguf_dir / "metadata-types.gguf", "llama", {"blk.0.attn_q.weight": T.Q4_1}, {
        "fuzz.u8": ("uint8", 7), "fuzz.i8": ("int8", -7), "fuzz.u16": ("uint16", 700), "fuzz.i16": ("int16", -700),
        "fuzz.u32": ("uint32", 70000), "fuzz.i32": ("int32", -70000), "fuzz.u64": ("uint64", 1 << 40),
        "fuzz.i64": ("int64", -(1 << 40)), "fuzz.f32": ("float32", 0.5), "fuzz.f64": ("float64", -0.25),
        "fuzz.bool": ("bool", True), "fuzz.string": ("string", "héllo"),
        "fuzz.ints": ("array", [1, 2, 3]), "fuzz.strings": ("array", ["a", "bc", ""]),
        "fuzz.floats": ("array", [0.5, 1.5]),
    })
    gguf_file(tokenizer_dir / "byte-level-bpe.gguf", "qwen2", {}, tokenizer=byte_level_tokenizer)
    gguf_file(tokenizer_dir / "sentencepiece.gguf", "llama", {}, tokenizer=sentencepiece_tokenizer)

    for t, text in enumerate(TEXTS):
        for selector in range(8):
            (tokenizer_dir / f"text{t}-vocab{selector}").write_bytes(bytes([selector]) + text.encode())
        (tokenizer_dir / f"text{t}-special").write_bytes(bytes([0x40 | t]) + text.encode())
        (tokenizer_dir / f"text{t}-bos-eos").write_bytes(bytes([0xC0 | 7]) + text.encode())
    # Malformed UTF-8 (a lone continuation byte, a truncated sequence) must round-trip as llama.cpp reads it.
    (tokenizer_dir / "malformed-utf8").write_bytes(b"\x02ab\x80c\xe6\x97d \xf0\x9f")
    (tokenizer_dir / "malformed-utf8-spm").write_bytes(b"\x07ab\x80c\xe6\x97d \xf0\x9f")

    safetensors_file(safetensors_dir / "loom-names-f32.safetensors", "loom", "F32", {"format": "pt"})
    safetensors_file(safetensors_dir / "hf-names-f16.safetensors", "hf", "F16")
    safetensors_file(safetensors_dir / "hf-names-bf16.safetensors", "hf", "BF16")


if __name__ == "__main__":
    main()
