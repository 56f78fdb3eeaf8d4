"""Checks that CAPPED = CAP * tanh(SCALE * BASE / CAP) elementwise within TOLERANCE, and that the cap bites.

Usage: check_logit_cap.py BASE CAPPED SCALE CAP TOLERANCE
"""
import array
import math
import sys


def floats(path):
    values = array.array("f")
    with open(path, "rb") as f:
        values.frombytes(f.read())
    return values


base, capped = floats(sys.argv[1]), floats(sys.argv[2])
scale, cap, tolerance = (float(v) for v in sys.argv[3:6])
if len(base) != len(capped) or not base:
    sys.exit(f"{sys.argv[1]} has {len(base)} floats, {sys.argv[2]} has {len(capped)}")
diff = max(abs(cap * math.tanh(scale * b / cap) - c) for b, c in zip(base, capped))
biting = sum(abs(scale * b) > 2 * cap for b in base)
print(f"max-abs {diff:.3e}; {biting} of {len(base)} scaled logits beyond twice the cap")
if biting == 0:
    sys.exit("the cap never bites: the test shows nothing")
sys.exit(0 if diff <= tolerance else f"max-abs {diff:.3e} > {tolerance}")
