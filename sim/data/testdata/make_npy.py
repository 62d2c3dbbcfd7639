"""Writes the .npy fixtures of file_test.go with NumPy.

Run from sim/data/testdata: /usr/bin/python3 make_npy.py
Every array is built from the same small integer pattern so the Go test can
rebuild the expected values independently: element (i, j) of a 2-D array is
10*i + j + 0.25 (scaled or cast per file); 3-D element (i, j, k) is
100*i + 10*j + k.
"""
import numpy as np
from numpy.lib import format as npf


def grid(rows, cols):
    i, j = np.meshgrid(np.arange(rows), np.arange(cols), indexing="ij")
    return 10.0 * i + j + 0.25


def save(name, a, version=None):
    with open(name, "wb") as f:
        npf.write_array(f, a, version=version, allow_pickle=False)


a = grid(4, 3)
save("f8_c.npy", a)                                   # '<f8', C order, v1.0
save("f8_fortran.npy", np.asfortranarray(a))          # fortran_order True
save("f8_big.npy", a.astype(">f8"))                   # big-endian
save("f8_v2.npy", a, version=(2, 0))                  # format 2.0
save("f8_v3.npy", a, version=(3, 0))                  # format 3.0
save("f4_c.npy", a.astype("<f4"))                     # float32 (exact: quarters)
save("i8_c.npy", (a - 0.25).astype("<i8") - 20)       # int64, some negative
save("u1_c.npy", (a - 0.25).astype("u1"))             # uint8
save("i2_1d.npy", np.array([-3, 0, 7, 32767], dtype="<i2"))  # 1-D int16
save("b1_1d.npy", np.array([True, False, False, True]))      # bool
i, j, k = np.meshgrid(np.arange(2), np.arange(3), np.arange(4), indexing="ij")
save("i4_3d_fortran.npy", np.asfortranarray((100 * i + 10 * j + k).astype("<i4")))
save("c16.npy", np.zeros(3, dtype=complex))            # unsupported dtype
save("scalar.npy", np.array(1.5))                      # shape ()
save("empty.npy", np.zeros((0, 3)))                    # no rows
