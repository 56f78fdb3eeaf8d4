"""Prints the largest absolute difference between two float32 files and fails above a tolerance.

Usage: max_abs_diff.py A B TOLERANCE
"""
import array
import sys


def floats(path):
    values = array.array("f")
    with open(path, "rb") as f:
        values.frombytes(f.read())
    return values


a, b = floats(sys.argv[1]), floats(sys.argv[2])
if len(a) != len(b) or not a:
    sys.exit(f"{sys.argv[1]} has {len(a)} floats, {sys.argv[2]} has {len(b)}")
diff = max(abs(x - y) for x, y in zip(a, b))
print(f"max-abs {diff:.3e}")
sys.exit(0 if diff <= float(sys.argv[3]) else f"max-abs {diff:.3e} > {sys.argv[3]}")
