#!/usr/bin/python3
"""Cost anchor for model A (math.md §4.2): NumPy/SciPy, one thread, on the anchors' m = 512 problem.

Problem (shared/anchors/w4_eos.py and common.py): n = 500, d = 32, X from common.make_data (SplitMix64
seed 1), random labels y = SplitMix64(5).normals(500), student init common.make_init(512) (seed 3),
f(x) = (1/m) Σ_i a_i tanh(w_i·x) (mean-field), E = (1/2n) Σ_s (f(x_s) − y_s)², θ = [vec(W) row-major, a],
p = 512·33 = 16896, η = 862 (= 1.5/λ_max(θ₀); the sharpness reaches 2/η within ~100 GD steps).

Model A, t = kη, state (θ, a):
    θ̇ = −½[∇E(θ+a) + ∇E(θ−a)],   ȧ = ½[∇E(θ+a) − ∇E(θ−a)] − (2/η)a      (2 gradients per RHS)
from θ₀ and a₀ = 1e-3·v/|v|, v = SplitMix64(SEED_A0 = 6).normals(p) (Box–Muller, both outputs in order).

Measured, single thread (OMP/OPENBLAS_NUM_THREADS=1 set before NumPy is imported; torch not used), with
glibc keeping freed memory (MALLOC_MMAP_THRESHOLD_=32 MiB, MALLOC_TRIM_THRESHOLD_=1 GiB, the anchors'
run_all.sh "malloc" mode; the script re-executes itself with them unless --malloc-asis is given). Without
them the gradient's 2 MB temporaries are mmap'ed and page-faulted afresh on every call, which costs
~8× here (measured: 15.4 ms CPU per gradient, 6.8 ms of it in the kernel, against 1.9 ms) until some
larger free raises glibc's dynamic threshold: in one as-found run RK4 and RK45 paid it and DOP853, whose
3.5 MB stage array is freed first, did not, which makes the variants incomparable.
  * one gradient, one model-A RHS, one GD step (gradient + in-place update): seconds per call, the three
    measured interleaved in ROUNDS rounds (median), in wall time (common.bench) and in process CPU time
    (cpu_ prefix; one thread, so CPU time is robust to other processes' load, which wall time is not on
    a shared machine), with the ratios RHS/gradient and RHS/GD step;
  * the whole integration over T = 200η (the time of 200 GD steps):
      - fixed-step RK4, dt = η/10 (2000 steps, 8000 RHS), preallocated buffers;
      - scipy.integrate.solve_ivp RK45 and DOP853 at rtol = 1e-6, atol = 1e-9 (see ATOL);
    each: wall and CPU seconds, per unit of t, RHS evaluations, solver steps, seconds per RHS, the ratio
    to 200 GD steps run the same way (over_gd_run, cpu_over_gd_run) and RHS count × RHS / (200 × GD step)
    from the interleaved per-call CPU medians (over_gd_run_from_calls);
    and, as a sanity check of the three, E(θ(T)), |a(T)| and the distance between their θ(T).

The gradient is the hand-written one of common.NumpyNet (the anchors' NumPy model), so these figures are
comparable with w1_gd_step.py's NumPy GD step.

Output: one line `name value unit` per figure (common.emit), '#' lines are comments.

usage: /usr/bin/python3 modela_numpy_bench.py /path/to/shared/anchors [--quick] [--malloc-asis]
  --quick: T = 20η instead of 200η (smoke run). The script sets OMP/OPENBLAS_NUM_THREADS=1 itself.
  --malloc-asis: keep glibc's malloc settings as found (see above).
"""
import os
import sys

os.environ["OMP_NUM_THREADS"] = "1"       # before NumPy is imported
os.environ["OPENBLAS_NUM_THREADS"] = "1"
MALLOC = {"MALLOC_MMAP_THRESHOLD_": "33554432", "MALLOC_TRIM_THRESHOLD_": "1073741824"}
if "--malloc-asis" not in sys.argv[2:] and any(os.environ.get(k) != v for k, v in MALLOC.items()):
    os.environ.update(MALLOC)             # glibc reads these at process start: re-execute
    os.execv(sys.executable, [sys.executable] + sys.argv)
sys.dont_write_bytecode = True
sys.path.insert(0, sys.argv[1])
import time  # noqa: E402

import common as C  # noqa: E402
import numpy as np  # noqa: E402
import scipy  # noqa: E402
from scipy.integrate import solve_ivp  # noqa: E402

M = 512
ETA = 862.0
SEED_LABELS = 5
SEED_A0 = 6
ROUNDS = 5
A0_SCALE = 1e-3
RTOL = 1e-6
# Absolute tolerance of the adaptive runs: the state's entries are O(0.2–1) (θ) and O(1e-5) (a); 1e-9 keeps
# the a half controlled in relative terms without making atol the binding constraint for θ.
ATOL = 1e-9


def cpu_per_call(fn, min_s=0.3):
    """Process CPU seconds per call of fn() (one thread: robust to other processes' load, unlike wall time)."""
    fn()
    k = 0
    c0 = time.process_time()
    while True:
        fn()
        k += 1
        dc = time.process_time() - c0
        if dc >= min_s:
            return dc / k


def main():
    quick = C.has_flag("--quick", sys.argv[2:])
    steps = 20 if quick else 200
    P = "modela"
    mon = C.CpuMonitor()
    C.emit_env(P, "1")   # records OPENBLAS_*, OMP_* and the MALLOC_* settings in force
    cfg, core, nth = C.openblas_info()
    C.emit(P + ".openblas.core", core)
    C.emit(P + ".openblas.threads", nth)
    C.emit(P + ".numpy", np.__version__)
    C.emit(P + ".scipy", scipy.__version__)

    X, _ = C.make_data()
    y = np.array(C.SplitMix64(SEED_LABELS).normals(X.shape[0]))
    W0, a0w = C.make_init(M)
    net = C.NumpyNet(X, y, M, "mf")
    d = X.shape[1]
    md = M * d
    p = md + M
    theta0 = np.concatenate((W0.ravel(), a0w))
    v = np.array(C.SplitMix64(SEED_A0).normals(p))
    a0 = A0_SCALE * v / np.linalg.norm(v)
    T = steps * ETA
    C.emit(P + ".m", M)
    C.emit(P + ".p", p)
    C.emit(P + ".eta", ETA)
    C.emit(P + ".gd_steps_of_t", steps, "steps")
    C.emit(P + ".T", T, "t")

    def grad_into(theta, out):
        _, gW, ga = net.loss_grad(theta[:md].reshape(M, d), theta[md:])
        out[:md] = gW.ravel()
        out[md:] = ga

    gp = np.empty(p)
    gm = np.empty(p)
    tp = np.empty(p)
    tm = np.empty(p)
    nrhs = [0]

    def rhs_into(y_, out):
        nrhs[0] += 1
        th, a = y_[:p], y_[p:]
        np.add(th, a, out=tp)
        np.subtract(th, a, out=tm)
        grad_into(tp, gp)
        grad_into(tm, gm)
        np.add(gp, gm, out=out[:p])
        out[:p] *= -0.5
        np.subtract(gp, gm, out=out[p:])
        out[p:] *= 0.5
        out[p:] -= (2.0 / ETA) * a
        return out

    def rhs(t, y_):
        return rhs_into(y_, np.empty(2 * p))

    y0 = np.concatenate((theta0, a0))

    # --- per-call costs: gradient, RHS and GD step measured interleaved (ROUNDS rounds of common.bench,
    # median of the rounds), so that load from other processes hits the three alike and the ratios hold.
    gbuf = np.empty(p)
    obuf = np.empty(2 * p)
    W, aw = W0.copy(), a0w.copy()
    calls = dict(grad=lambda: grad_into(theta0, gbuf), rhs=lambda: rhs_into(y0, obuf),
                 gd_step=lambda: net.gd_step(W, aw, ETA))
    per = {}
    for _ in range(ROUNDS):
        for clock in ("", "cpu_"):
            r = {k: (C.bench(f, repeats=3)[0] if clock == "" else cpu_per_call(f)) for k, f in calls.items()}
            for k in calls:
                per.setdefault(clock + k, []).append(r[k])
            per.setdefault(clock + "rhs_over_gd_step", []).append(r["rhs"] / r["gd_step"])
            per.setdefault(clock + "rhs_over_grad", []).append(r["rhs"] / r["grad"])
    med = {k: float(np.median(v)) for k, v in per.items()}
    for k, v in med.items():
        C.emit(P + "." + k, v, "x" if "_over_" in k else "s")
    t_rhs, t_gd = med["cpu_rhs"], med["cpu_gd_step"]

    # GD itself over the same time, end to end (for the ratio of whole runs).
    W, aw = W0.copy(), a0w.copy()
    t0, c0 = time.perf_counter(), time.process_time()
    for _ in range(steps):
        net.gd_step(W, aw, ETA)
    t_gd_run, c_gd_run = time.perf_counter() - t0, time.process_time() - c0
    C.emit(P + ".gd_run.time", t_gd_run, "s")
    C.emit(P + ".gd_run.cpu_time", c_gd_run, "s")
    C.emit(P + ".gd_run.loss_T", net.loss(W, aw))

    results = {}

    # --- fixed-step RK4, dt = η/10 ------------------------------------------------------------------
    nsub = 10
    h = ETA / nsub
    nrhs[0] = 0
    y_ = y0.copy()
    k1, k2, k3, k4, ytmp = (np.empty(2 * p) for _ in range(5))
    t0, c0 = time.perf_counter(), time.process_time()
    for _ in range(steps * nsub):
        rhs_into(y_, k1)
        np.multiply(k1, 0.5 * h, out=ytmp)
        ytmp += y_
        rhs_into(ytmp, k2)
        np.multiply(k2, 0.5 * h, out=ytmp)
        ytmp += y_
        rhs_into(ytmp, k3)
        np.multiply(k3, h, out=ytmp)
        ytmp += y_
        rhs_into(ytmp, k4)
        k2 += k3
        k1 += k4
        k2 *= 2.0
        k1 += k2
        k1 *= h / 6.0
        y_ += k1
    dt_run, dc_run = time.perf_counter() - t0, time.process_time() - c0
    results["rk4_dt_eta_over_10"] = (dt_run, dc_run, nrhs[0], y_.copy(), steps * nsub)

    # --- adaptive solve_ivp -----------------------------------------------------------------------------
    for method in ("RK45", "DOP853"):
        nrhs[0] = 0
        t0, c0 = time.perf_counter(), time.process_time()
        sol = solve_ivp(rhs, (0.0, T), y0, method=method, rtol=RTOL, atol=ATOL)
        dt_run, dc_run = time.perf_counter() - t0, time.process_time() - c0
        if not sol.success:
            C.comment("%s failed: %s" % (method, sol.message))
        results["%s_rtol1e-6" % method] = (dt_run, dc_run, nrhs[0], sol.y[:, -1].copy(), sol.t.size - 1)

    ref = results["DOP853_rtol1e-6"][3]
    for name, (dt_run, dc_run, n, yT, nsteps) in results.items():
        tag = "%s.%s" % (P, name)
        C.emit(tag + ".time", dt_run, "s")
        C.emit(tag + ".cpu_time", dc_run, "s")
        C.emit(tag + ".time_per_t", dt_run / T, "s/t")
        C.emit(tag + ".cpu_time_per_t", dc_run / T, "s/t")
        C.emit(tag + ".cpu_time_per_gd_step_of_t", dc_run / steps, "s/step")
        C.emit(tag + ".rhs_evals", n, "evals")
        C.emit(tag + ".solver_steps", nsteps, "steps")
        C.emit(tag + ".time_per_rhs", dt_run / n, "s")
        C.emit(tag + ".cpu_time_per_rhs", dc_run / n, "s")
        C.emit(tag + ".over_gd_run", dt_run / t_gd_run, "x")
        C.emit(tag + ".cpu_over_gd_run", dc_run / c_gd_run, "x")
        # The same ratio from the interleaved per-call CPU medians: RHS count × RHS / (steps × GD step).
        C.emit(tag + ".over_gd_run_from_calls", n * t_rhs / (steps * t_gd), "x")
        th, a = yT[:p], yT[p:]
        C.emit(tag + ".loss_T", net.loss(th[:md].reshape(M, d), th[md:]))
        C.emit(tag + ".amplitude_T", float(np.linalg.norm(a)))
        C.emit(tag + ".theta_T_rel_dist_to_DOP853", float(np.linalg.norm(th - ref[:p]) / np.linalg.norm(ref[:p])))
    mon.report(P)


if __name__ == "__main__":
    main()
