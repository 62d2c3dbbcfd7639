#!/usr/bin/python3
"""Independent float64 reference for model A, the free-energy effective model of GD at the EoS.

Writes modela_numpy.json: trajectories of model A (math.md §4.2 [D]) on the two-layer tanh network of
twolayer_numpy.py, integrated with SciPy's DOP853, so that eoskit's Go flow can be checked against them.

The network and loss (math.md §2.4; the conventions of twolayer_numpy.py):

    f(x) = s · A tanh(W x),   s = 1/m (mean-field),   E(θ) = (1/2n) Σ_s ‖f(x_s) − y_s‖²,
    θ = [vec(W) row-major (m×d), vec(A) row-major (c×m)],   p = m·d + c·m.

Model A, in physical time t = kη, on the state (θ, a) ∈ R^p × R^p:

    θ̇ = −½[∇E(θ+a) + ∇E(θ−a)]
    ȧ = +½[∇E(θ+a) − ∇E(θ−a)] − (2/η)·a
    F(θ,a) = ½[E(θ+a) + E(θ−a)] − |a|²/η,     dF/dt = −|∇_θF|² + |∇_aF|²  (exact).

The gradient and the Hessian-vector product are written out by hand (backpropagation and its directional
derivative), independently of eoskit's Go code. The script asserts: the gradient matches a central
difference of E, the HVP and the dense Hessian central differences of the gradient; the energy identity
holds along the computed solution; the small-amplitude cases stay below the EoS threshold.

Instance. The data X (n×d), targets Y (n×c) and θ₀ come from the Python anchors' SplitMix64 generator
(shared/anchors/common.py) exactly as twolayer_numpy.py's `case` draws them: one generator seeded with
`seed`, normals (Box–Muller, both outputs in order) drawn as X, Y, W (then divided by √d), A. The Go side
may rebuild them, but Go's math.Log/Cos/Sin may differ from glibc in the last ulp: read x, y, theta0.

    λ₀ = largest algebraic eigenvalue of ∇²E(θ₀) from the dense Hessian (analytic HVP on the identity
         columns, symmetrised, numpy.linalg.eigh); λ₀ is simple (the second eigenvalue is stored too);
    u  = its unit eigenvector, sign fixed so that its largest-magnitude entry is positive;
    η  = eta_lambda0/λ₀ rounded to 4 significant digits;
    a₀ = a0_scale · u.
a₀ rests on an eigenvector (accurate to ~1e-15/gap): read it from the JSON rather than recompute it.

Cases (all on the same instance: n = 64, d = 6, m = 16, c = 1, mean-field, seed 54, so p = 112):
  mf-small  ηλ₀ = 1.5, a0_scale = 1e-3, 50 steps (T = 50η): before the EoS onset, the sharpness stays
            below 2/η over the window (max 0.946·2/η, asserted);
  mf-large  ηλ₀ = 1.5, a0_scale = 0.05, 20 steps: the same, with an amplitude at which the O(|a|⁴) part of
            the symmetrised loss is 2e-3 of the quadratic part at t = 0;
  mf-eos    ηλ₀ = 2.5, a0_scale = 0.05, 20 steps: past the threshold (added to the brief): |a| grows from
            0.05 to ~0.7 and saturates, which only the nonlinear (symmetrised) terms produce; model A is an
            ODE, not GD, so there is no chaos here: a 1e-9 perturbation of the state grows ~6× by T.
Why ηλ₀ = 1.5 and not 1, and why seed 54: before the EoS a decays like exp(−∫(2/η − S)dt), and these
small mean-field nets sharpen fast (random labels). At ηλ₀ = 1 |a| falls from 1e-3 to ~1e-16 or the
sharpness crosses 2/η within 50 steps, depending on the seed; seed 54 at ηλ₀ = 1.5 was the best of
seeds 21–72 (c = 1) at keeping |a| resolved (down to 1.6e-9 at T) while S < 0.95·2/η throughout.

Integration: scipy.integrate.solve_ivp(method="DOP853", rtol=atol=1e-12, dense_output=True), samples at
t_k = k·η (k = 0..steps; computed as k*eta) from the dense output (DOP853's 7th-order interpolant; the last
one is a step end). Accuracy is measured against a second run at rtol = 2.5e-14 (SciPy's floor),
atol = 1e-20, per sample.

JSON: {"generator", "numpy", "scipy", "cases": [case, ...]}; per case (K = steps, p = m·d + c·m):
  name, n, d, m, c, scaling ("mean-field"), seed, eta, eta_lambda0, steps, lambda0, lambda0_second,
  a0_scale                                                                        scalars
  x [n·d] (X row-major), y [n·c] (Y row-major), theta0 [p], a0 [p]
  times [K+1]                         t_k = k·η
  theta [K+1][p], a [K+1][p]          the state at t_k (θ layout above; a in the same layout)
  loss [K+1] E(θ), amplitude [K+1] |a|, free_energy [K+1] F(θ,a), loss_plus [K+1] E(θ+a),
  loss_minus [K+1] E(θ−a), sharpness [K+1] λ_max(∇²E(θ)) (dense)
  solver {method, rtol, atol, nfev, steps (accepted DOP853 steps), scipy}
  accuracy {tight_rtol, tight_atol, theta_err [K+1] ‖θ − θ_tight‖₂, a_err [K+1] ‖a − a_tight‖₂,
            energy_identity_rel_residual (worst over the sample intervals of
            |ΔF − ∫(−|θ̇|² + |ȧ|²)dt| / ∫(|θ̇|² + |ȧ|²)dt, 10-point Gauss–Legendre on the dense output),
            grad_fd_rel_err, hvp_fd_rel_err, hessian_fd_rel_err (at θ₀)}
  diagnostics {max_sharpness_eta_over_2, quartic_part_rel_t0, quartic_part_rel_max: |Ē − E − ½aᵀHa|/(½aᵀHa),
               the max over the samples where ½aᵀHa > 1e-8·E (below that it is round-off)}

usage: /usr/bin/python3 modela_numpy.py /path/to/shared/anchors > modela_numpy.json
(about 5 minutes of CPU, mostly the tight accuracy runs.)
"""
import json
import math
import os
import sys

os.environ["OMP_NUM_THREADS"] = "1"        # before NumPy is imported: small matrices, and one summation
os.environ["OPENBLAS_NUM_THREADS"] = "1"   # order whatever the machine
sys.path.insert(0, sys.argv[1])
import common as C  # noqa: E402
import numpy as np  # noqa: E402
import scipy  # noqa: E402
from scipy.integrate import solve_ivp  # noqa: E402

RTOL = ATOL = 1e-12          # the reference run's tolerances
RTOL_TIGHT, ATOL_TIGHT = 2.5e-14, 1e-20   # accuracy check run (SciPy clamps rtol at 100·eps)
SEED = 54


class Net:
    """Two-layer tanh network; gradient and HVP by hand."""

    def __init__(self, X, Y, m, s):
        self.X, self.Y, self.m, self.s = X, Y, m, s
        self.n, self.d = X.shape
        self.c = Y.shape[1]
        self.p = m * self.d + self.c * m

    def split(self, theta):
        md = self.m * self.d
        return theta[:md].reshape(self.m, self.d), theta[md:].reshape(self.c, self.m)

    def loss(self, theta):
        W, A = self.split(theta)
        R = self.s * (np.tanh(self.X @ W.T) @ A.T) - self.Y
        return 0.5 * float(np.sum(R * R)) / self.n

    def loss_grad(self, theta):
        W, A = self.split(theta)
        X, s, n = self.X, self.s, self.n
        H = np.tanh(X @ W.T)                     # n×m
        R = s * (H @ A.T) - self.Y               # n×c
        gA = (s / n) * (R.T @ H)                 # c×m
        G = (s / n) * (R @ A) * (1.0 - H * H)    # n×m: ∂E/∂Z, Z = X Wᵀ
        gW = G.T @ X                             # m×d
        return 0.5 * float(np.sum(R * R)) / n, np.concatenate((gW.ravel(), gA.ravel()))

    def grad(self, theta):
        return self.loss_grad(theta)[1]

    def hvp(self, theta, v):
        """∇²E(θ)v: the directional derivative of loss_grad along v, by hand."""
        W, A = self.split(theta)
        VW, VA = self.split(v)
        X, s, n = self.X, self.s, self.n
        H = np.tanh(X @ W.T)
        Hp = 1.0 - H * H
        R = s * (H @ A.T) - self.Y
        dH = Hp * (X @ VW.T)                     # d tanh(Z)
        dHp = -2.0 * H * dH                      # d (1 − tanh²)
        dR = s * (dH @ A.T + H @ VA.T)
        dgA = (s / n) * (dR.T @ H + R.T @ dH)
        dG = (s / n) * ((dR @ A + R @ VA) * Hp + (R @ A) * dHp)
        dgW = dG.T @ X
        return np.concatenate((dgW.ravel(), dgA.ravel()))

    def hessian(self, theta):
        H = np.array([self.hvp(theta, e) for e in np.eye(self.p)]).T
        asym = np.max(np.abs(H - H.T)) / np.max(np.abs(H))
        assert asym < 1e-13, "analytic Hessian not symmetric: %.2e" % asym   # round-off only
        return 0.5 * (H + H.T)

    def sharpness(self, theta):
        return float(np.linalg.eigvalsh(self.hessian(theta))[-1])


def check_derivatives(net, theta, rng):
    """Gradient vs central differences of E, HVP vs central differences of the gradient."""
    g = net.grad(theta)
    h = 1e-5
    fd = np.empty(net.p)
    for i in range(net.p):
        e = np.zeros(net.p)
        e[i] = h
        fd[i] = (net.loss(theta + e) - net.loss(theta - e)) / (2 * h)
    # Central difference: truncation h²·|E'''|/6 ~ 1e-11, round-off eps·E/h ~ 1e-11·E; relative to |g|
    # both are ~1e-9 here. A wrong term in the gradient is an O(1) relative error.
    gerr = float(np.linalg.norm(fd - g) / np.linalg.norm(g))
    assert gerr < 1e-7, "gradient vs central difference: %.2e" % gerr
    v = rng.standard_normal(net.p)
    v /= np.linalg.norm(v)
    hv = net.hvp(theta, v)
    fdh = (net.grad(theta + h * v) - net.grad(theta - h * v)) / (2 * h)
    herr = float(np.linalg.norm(fdh - hv) / np.linalg.norm(hv))
    assert herr < 1e-7, "HVP vs central difference of the gradient: %.2e" % herr   # same reasoning
    return gerr, herr


def make_rhs(net, eta, counter):
    p = net.p

    def rhs(t, y):
        counter[0] += 1
        theta, a = y[:p], y[p:]
        gp = net.grad(theta + a)
        gm = net.grad(theta - a)
        return np.concatenate((-0.5 * (gp + gm), 0.5 * (gp - gm) - (2.0 / eta) * a))

    return rhs


def observables(net, eta, theta, a):
    Lp, Lm = net.loss(theta + a), net.loss(theta - a)
    aa = float(a @ a)
    return net.loss(theta), math.sqrt(aa), 0.5 * (Lp + Lm) - aa / eta, Lp, Lm


def energy_identity(net, eta, sol, times, rhs):
    """F(t_{k+1}) − F(t_k) = ∫ (−|θ̇|² + |ȧ|²) dt on each sample interval (10-point Gauss–Legendre on the
    dense output). Returns the worst residual relative to ∫ (|θ̇|² + |ȧ|²) dt, the size of the two terms."""
    p = net.p
    xg, wg = np.polynomial.legendre.leggauss(10)
    worst = 0.0
    for t0, t1 in zip(times[:-1], times[1:]):
        y0, y1 = sol(t0), sol(t1)
        dF = (observables(net, eta, y1[:p], y1[p:])[2] - observables(net, eta, y0[:p], y0[p:])[2])
        sig = big = 0.0
        for x, w in zip(xg, wg):
            t = 0.5 * (t0 + t1) + 0.5 * (t1 - t0) * x
            f = rhs(t, sol(t))
            th2, a2 = float(f[:p] @ f[:p]), float(f[p:] @ f[p:])
            sig += 0.5 * (t1 - t0) * w * (-th2 + a2)
            big += 0.5 * (t1 - t0) * w * (th2 + a2)
        worst = max(worst, abs(dF - sig) / big)
    return worst


def run_case(name, n, d, m, c, seed, eta_lambda0, amp, steps, before_onset):
    g = C.SplitMix64(seed)
    X = np.array(g.normals(n * d)).reshape(n, d)
    Y = np.array(g.normals(n * c)).reshape(n, c)
    W = np.array(g.normals(m * d)).reshape(m, d) / math.sqrt(d)
    A = np.array(g.normals(c * m)).reshape(c, m)
    net = Net(X, Y, m, 1.0 / m)
    theta0 = np.concatenate((W.ravel(), A.ravel()))
    p = net.p

    gerr, herr = check_derivatives(net, theta0, np.random.default_rng(seed))
    # The dense Hessian by analytic HVPs vs by central differences of the gradient (h = 1e-5: O(h²) + round-off).
    Hs = net.hessian(theta0)
    Hfd = np.array([(net.grad(theta0 + 1e-5 * e) - net.grad(theta0 - 1e-5 * e)) / 2e-5 for e in np.eye(p)]).T
    hd = float(np.max(np.abs(Hfd - Hs)) / np.max(np.abs(Hs)))
    assert hd < 1e-7, "dense Hessian vs central differences: %.2e" % hd
    lam, vec = np.linalg.eigh(Hs)
    lam0, u = float(lam[-1]), vec[:, -1].copy()
    if u[np.argmax(np.abs(u))] < 0:
        u = -u
    eta = float("%.4g" % (eta_lambda0 / lam0))
    a0 = amp * u
    y0 = np.concatenate((theta0, a0))
    times = [k * eta for k in range(steps + 1)]

    cnt = [0]
    rhs = make_rhs(net, eta, cnt)
    sol = solve_ivp(rhs, (0.0, times[-1]), y0, method="DOP853", rtol=RTOL, atol=ATOL,
                    t_eval=times, dense_output=True)
    assert sol.success, sol.message
    nfev = sol.nfev
    nsteps = len(sol.sol.ts) - 1
    tight = solve_ivp(make_rhs(net, eta, [0]), (0.0, times[-1]), y0, method="DOP853",
                      rtol=RTOL_TIGHT, atol=ATOL_TIGHT, t_eval=times)
    assert tight.success, tight.message
    Ys, Yt = sol.y, tight.y
    th_err = [float(np.linalg.norm(Ys[:p, k] - Yt[:p, k])) for k in range(steps + 1)]
    a_err = [float(np.linalg.norm(Ys[p:, k] - Yt[p:, k])) for k in range(steps + 1)]
    ident = energy_identity(net, eta, sol.sol, times, make_rhs(net, eta, [0]))

    out = dict(name=name, n=n, d=d, m=m, c=c, scaling="mean-field", seed=seed, eta=eta,
               eta_lambda0=eta_lambda0, steps=steps,
               lambda0=lam0, lambda0_second=float(lam[-2]), a0_scale=amp,
               x=X.ravel().tolist(), y=Y.ravel().tolist(), theta0=theta0.tolist(), a0=a0.tolist(),
               times=times, theta=[], a=[], loss=[], amplitude=[], free_energy=[], loss_plus=[],
               loss_minus=[], sharpness=[])
    quartic = []
    for k in range(steps + 1):
        th, a = Ys[:p, k], Ys[p:, k]
        L, amp_k, F, Lp, Lm = observables(net, eta, th, a)
        out["theta"].append(th.tolist())
        out["a"].append(a.tolist())
        out["loss"].append(L)
        out["amplitude"].append(amp_k)
        out["free_energy"].append(F)
        out["loss_plus"].append(Lp)
        out["loss_minus"].append(Lm)
        out["sharpness"].append(net.sharpness(th))
        # Size of the nonlinearity: the O(|a|⁴) part of ½[E(θ+a)+E(θ−a)] − E(θ), relative to ½aᵀHa; only
        # where ½aᵀHa > 1e-8·E, so that the cancellation error ~eps·E/(½aᵀHa) stays below ~2e-8.
        quad = 0.5 * float(a @ net.hvp(th, a))
        if abs(quad) > 1e-8 * L:
            quartic.append((k, abs(0.5 * (Lp + Lm) - L - quad) / abs(quad)))
    S = max(out["sharpness"]) * eta / 2
    if before_onset:
        assert S < 1, "sharpness reached 2/η: %g·2/η" % S   # before the EoS onset over the whole window
    else:
        assert S > 1, "sharpness stays below 2/η: %g·2/η" % S    # the amplitude grows
    # Energy identity: the residual comes from the dense output's interpolation error (~ the tolerance 1e-12,
    # relative, times |∇F|·|y|) and the cancellation in F(t_{k+1}) − F(t_k) (~ eps·|F|); both are far below
    # 1e-8 of the integrated terms (measured: ~1e-11).
    assert ident < 1e-8, "energy identity residual %.2e" % ident
    out["solver"] = dict(method="DOP853", rtol=RTOL, atol=ATOL, nfev=nfev, steps=nsteps,
                         scipy=scipy.__version__)
    out["accuracy"] = dict(tight_rtol=RTOL_TIGHT, tight_atol=ATOL_TIGHT, theta_err=th_err, a_err=a_err,
                           energy_identity_rel_residual=ident, grad_fd_rel_err=gerr, hvp_fd_rel_err=herr,
                           hessian_fd_rel_err=hd)
    assert quartic and quartic[0][0] == 0
    out["diagnostics"] = dict(max_sharpness_eta_over_2=S, quartic_part_rel_t0=quartic[0][1],
                              quartic_part_rel_max=max(q for _, q in quartic))
    return out


cases = [
    run_case("mf-small", 64, 6, 16, 1, SEED, 1.5, 1e-3, 50, True),
    run_case("mf-large", 64, 6, 16, 1, SEED, 1.5, 0.05, 20, True),
    run_case("mf-eos", 64, 6, 16, 1, SEED, 2.5, 0.05, 20, False),
]
json.dump(dict(generator="golden/testdata/modela_numpy.py", numpy=np.__version__, scipy=scipy.__version__,
               cases=cases), sys.stdout, separators=(",", ":"))
