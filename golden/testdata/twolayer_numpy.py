#!/usr/bin/python3
"""Independent float64 reference for the two-layer network's GD trajectory.

Writes twolayer_numpy.json: for each case, the data X (n×d), targets Y (n×c),
the initial parameters θ₀ = [vec(W) row-major (m×d), vec(A) row-major (c×m)],
the step size, and the loss at every step of 500 full-batch GD steps plus the
final parameters, computed with NumPy:

    f(x) = s · A tanh(W x),   s = 1/m (mean-field) or 1/√m (ntk)
    E    = (1/2n) Σ_s ‖f(x_s) − y_s‖²

The gradient is written out by hand (backpropagation with matrix products),
independently of eoskit's Go code. The data and θ₀ come from the Python
anchors' SplitMix64 generator (the anchors' common.py, outside this repository) so the instance is
reproducible; the Go test reads them from the JSON, so only the model and
the GD update are compared.

usage: /usr/bin/python3 twolayer_numpy.py /path/to/anchors > twolayer_numpy.json
"""
import json
import math
import sys

sys.path.insert(0, sys.argv[1])
import common as C  # noqa: E402
import numpy as np  # noqa: E402

STEPS = 500


def loss_grad(W, A, X, Y, s):
    n = X.shape[0]
    Z = X @ W.T                 # n×m
    H = np.tanh(Z)              # n×m
    F = s * (H @ A.T)           # n×c
    R = F - Y                   # n×c
    loss = 0.5 * float(np.sum(R * R)) / n
    gA = (s / n) * (R.T @ H)    # c×m
    G = (s / n) * (R @ A) * (1.0 - H * H)   # n×m: dE/dZ
    gW = G.T @ X                # m×d
    return loss, gW, gA


def case(name, n, d, m, c, scaling, eta, seed):
    g = C.SplitMix64(seed)
    X = np.array(g.normals(n * d)).reshape(n, d)
    Y = np.array(g.normals(n * c)).reshape(n, c)
    W = np.array(g.normals(m * d)).reshape(m, d) / math.sqrt(d)
    A = np.array(g.normals(c * m)).reshape(c, m)
    s = 1.0 / m if scaling == "mean-field" else 1.0 / math.sqrt(m)
    theta0 = np.concatenate((W.ravel(), A.ravel()))
    losses = []
    for k in range(STEPS + 1):
        L, gW, gA = loss_grad(W, A, X, Y, s)
        losses.append(L)
        if k < STEPS:
            W = W - eta * gW
            A = A - eta * gA
    return dict(name=name, n=n, d=d, m=m, c=c, scaling=scaling, eta=eta, steps=STEPS,
                x=X.ravel().tolist(), y=Y.ravel().tolist(), theta0=theta0.tolist(),
                losses=losses, theta_final=np.concatenate((W.ravel(), A.ravel())).tolist())


cases = [
    case("mf-c1", 64, 8, 16, 1, "mean-field", 4.0, 11),
    case("ntk-c1", 64, 8, 16, 1, "ntk", 0.5, 12),
    case("mf-c3", 48, 5, 12, 3, "mean-field", 3.0, 13),
    case("ntk-c3", 48, 5, 12, 3, "ntk", 0.4, 14),
]
json.dump(dict(generator="golden/testdata/twolayer_numpy.py", numpy=np.__version__, cases=cases), sys.stdout)
