"""Prints the expected values of anchor_test.go from the Python anchors.

Run: /usr/bin/python3 sim/data/testdata/anchor_values.py /path/to/anchors
The numbers are printed with repr(), which round-trips float64 exactly.
"""
import sys

sys.path.insert(0, sys.argv[1] if len(sys.argv) > 1 else "anchors")
import common as C  # noqa: E402
import numpy as np  # noqa: E402


def out(name, vals):
    print("%s: %s" % (name, ", ".join(repr(float(v)) if not isinstance(v, int) else str(v) for v in vals)))


for seed in (0, 1, 2, 2**64 - 1):
    g = C.SplitMix64(seed)
    out("u64 seed=%d" % seed, [g.next_u64() for _ in range(3)])
g = C.SplitMix64(1)
out("uniform seed=1", [g.uniform() for _ in range(4)])
g = C.SplitMix64(1)
out("normal seed=1", g.normals(9))

X, y = C.make_data(500, 32)
out("X[0,0:4]", X[0, :4])
out("X[123,17] X[499,31]", [X[123, 17], X[499, 31]])
out("y[0:4]", y[:4])
out("y[250] y[499]", [y[250], y[499]])
Xs, ys = C.make_data(3, 2)
out("small X (n=3,d=2)", Xs.ravel())
out("small y (n=3,d=2)", ys)
yr = np.array(C.SplitMix64(5).normals(500))
out("random y[0:3]", yr[:3])
out("random y[499]", [yr[499]])
W, a = C.make_init(8, 32)
out("W[0,0:3]", W[0, :3])
out("W[7,31]", [W[7, 31]])
out("a[0:8]", a)
v = C.probe_vector(8 * 33)
out("probe[0:3]", v[:3])
out("probe[263]", [v[263]])
z = C.SplitMix64(1).normals(100000)
import math  # noqa: E402
out("fsum, fsum sq, fsum abs of 100000 normals seed=1", [math.fsum(z), math.fsum(x * x for x in z), math.fsum(abs(x) for x in z)])
