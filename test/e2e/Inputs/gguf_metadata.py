#!/usr/bin/env python3
"""Writes a GGUF v3 file with metadata only (no tensors), for `loom import` tests.

Usage: gguf_metadata.py OUT.gguf KEY=TYPE:VALUE ...   TYPE: str, u32, u64, f32, bool
Only the standard library: the tests must not need the reference venv.
"""
import struct
import sys

KINDS = {"u32": (4, "<I", int), "f32": (6, "<f", float), "bool": (7, "<?", lambda v: v == "true"),
         "str": (8, None, str), "u64": (10, "<Q", int)}


def string(text):
    data = text.encode()
    return struct.pack("<Q", len(data)) + data


def main(out, entries):
    body = b""
    for entry in entries:
        key, typed = entry.split("=", 1)
        kind, value = typed.split(":", 1)
        code, layout, convert = KINDS[kind]
        body += string(key) + struct.pack("<I", code)
        body += string(value) if layout is None else struct.pack(layout, convert(value))
    header = b"GGUF" + struct.pack("<IQQ", 3, 0, len(entries))
    with open(out, "wb") as f:
        f.write(header + body)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2:])
