#!/usr/bin/python3
"""Independent reference spectra of the two-layer network's Hessian.

For the Python anchors' problem (the anchors' common.py, outside this repository: n=500, d=32,
SplitMix64 data, the anchors' initialisation, tanh), with m neurons and both
scalings, this builds the full p×p Hessian at θ₀ twice, independently of
eoskit:
  * with PyTorch autograd (double backward of the loss, one column per
    unit vector), and
  * with the anchors' hand-written NumPy Hessian-vector product
    (common.NumpyNet.hvp_point),
symmetrises each, and writes the three largest and three smallest
eigenvalues from numpy.linalg.eigvalsh, and the two sources' largest
disagreement, to spectrum_reference.json.

usage: /usr/bin/python3 spectrum_reference.py /path/to/anchors > spectrum_reference.json
"""
import json
import sys

sys.path.insert(0, sys.argv[1])
import common as C  # noqa: E402
import numpy as np  # noqa: E402
import torch  # noqa: E402

torch.set_num_threads(1)


def dense(hvp, p):
    H = np.empty((p, p))
    e = np.zeros(p)
    for j in range(p):
        e[j] = 1.0
        H[:, j] = hvp(e)
        e[j] = 0.0
    return 0.5 * (H + H.T)


def case(m, scaling, labels):
    X, y_teacher = C.make_data()
    y = y_teacher if labels == "teacher" else np.array(C.SplitMix64(5).normals(X.shape[0]))
    W0, a0 = C.make_init(m)
    p = m * (X.shape[1] + 1)
    tn = C.TorchNet(X, y, m, "mf" if scaling == "mean-field" else "ntk")
    W, a = tn.params(W0, a0)
    Ht = dense(tn.flat_hvp(W, a), p)
    nn = C.NumpyNet(X, y, m, "mf" if scaling == "mean-field" else "ntk")
    Hn = dense(nn.hvp_point(W0, a0), p)
    et = np.linalg.eigvalsh(Ht)
    en = np.linalg.eigvalsh(Hn)
    return dict(m=m, scaling=scaling, labels=labels, params=p,
                top=et[::-1][:3].tolist(), bottom=et[:3].tolist(),
                numpy_top=en[::-1][:3].tolist(), numpy_bottom=en[:3].tolist(),
                max_abs_diff_torch_numpy=float(np.max(np.abs(et - en))),
                norm=float(np.max(np.abs(et))))


cases = [case(16, "mean-field", "random"), case(16, "ntk", "teacher"), case(64, "mean-field", "random")]
json.dump(dict(generator="golden/testdata/spectrum_reference.py", torch=torch.__version__,
               numpy=np.__version__, cases=cases), sys.stdout, indent=1)
