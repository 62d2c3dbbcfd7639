package kinetic

import (
	"math"
	"testing"

	"gonum.org/v1/gonum/mat"

	"github.com/eoskit/eoskit/sim/flow"
	"github.com/eoskit/eoskit/sim/model"
	"github.com/eoskit/eoskit/sim/ode"
)

// newton solves F(x) = 0 from x0 by Newton steps with the minimum-norm
// solution of the linearisation (the Jacobian by central differences,
// pseudo-inverted by SVD with relative cut-off 1e-10): the zeros of F form
// manifolds here (the network's symmetries and flat directions), and the
// minimum-norm step lands on the nearest point of one. It returns the last
// iterate and |F| there.
func newton(f func(x, out []float64), x0 []float64, iters int) ([]float64, float64) {
	n := len(x0)
	x := append([]float64(nil), x0...)
	fx, fp, fm := make([]float64, n), make([]float64, n), make([]float64, n)
	jac := mat.NewDense(n, n, nil)
	for range iters {
		f(x, fx)
		for j := range n {
			h := 1e-6 * math.Max(1, math.Abs(x[j]))
			xj := x[j]
			x[j] = xj + h
			f(x, fp)
			x[j] = xj - h
			f(x, fm)
			x[j] = xj
			for i := range n {
				jac.Set(i, j, (fp[i]-fm[i])/(2*h))
			}
		}
		var svd mat.SVD
		if !svd.Factorize(jac, mat.SVDThin) {
			break
		}
		var u, v mat.Dense
		svd.UTo(&u)
		svd.VTo(&v)
		sv := svd.Values(nil)
		step := make([]float64, n)
		for k, sk := range sv {
			if sk <= 1e-10*sv[0] {
				continue
			}
			var c float64
			for i := range n {
				c += u.At(i, k) * fx[i]
			}
			for i := range n {
				step[i] -= v.At(i, k) * c / sk
			}
		}
		for i := range x {
			x[i] += step[i]
		}
	}
	f(x, fx)
	return x, math.Sqrt(sumSq(fx))
}

// gdStep writes θ − η∇E_m(θ) into dst.
func gdStep(net *model.TwoLayer, eta float64, theta, dst []float64) {
	net.Grad(theta, dst)
	for i, th := range theta {
		dst[i] = th - eta*dst[i]
	}
}

// TestStationaryIsTwoCycle checks design notes §6.3 (and O6 of model A) on
// networks with fewer parameters than examples whose particle flows come to
// rest with δ ≠ 0 (found by integrating them, η = fac/λ₁(θ₀)): a
// stationary point (θ, δ) of the particle system, δ ≠ 0, is a GD 2-cycle of
// the finite network, GD(θ+δ) = θ−δ and GD(θ−δ) = θ+δ; conversely a GD
// 2-cycle x ↔ y gives a stationary point ((x+y)/2, (x−y)/2).
func TestStationaryIsTwoCycle(t *testing.T) {
	for _, tc := range []struct {
		nc   netCase
		fac  float64
		rest int
	}{
		{netCase{act: model.Tanh, m: 2, n: 8, d: 1, c: 1, seed: 61}, 2.2, 2000},
		{netCase{act: model.Tanh, m: 2, n: 8, d: 2, c: 1, seed: 62}, 3.0, 2000},
	} {
		t.Run(tc.nc.String(), func(t *testing.T) { stationaryIsTwoCycle(t, tc.nc, tc.fac, tc.rest) })
	}
}

func stationaryIsTwoCycle(t *testing.T, nc netCase, fac float64, rest int) {
	theta0, _ := nc.initLaw(nc.seed, 0)
	l0, _, err := nc.system(t, 1).Top(theta0)
	if err != nil {
		t.Fatal(err)
	}
	eta := fac / l0
	s := nc.system(t, eta)
	d0, err := s.SeedDelta(theta0, 1e-2)
	if err != nil {
		t.Fatal(err)
	}
	// Integrate until the flow is nearly at rest (|velocity| ≤ 1e-8 from
	// O(1) at the start), then polish the stationary point by Newton.
	near := integrateTo(t, s, s.State(theta0, d0), rest)
	rhs := func(y, dy []float64) { s.RHS(0, y, dy) }
	y, res := newton(rhs, near, 8)
	p := s.Params()
	drms := math.Sqrt(sumSq(y[p:]) / float64(nc.m))
	// The velocities at the start are O(1): 1e-11 is round-off of the
	// finite-difference Newton.
	if res > 1e-11 || drms < 1e-3 {
		t.Fatalf("no stationary point with δ ≠ 0: |velocity| = %.3g, δ rms = %.3g", res, drms)
	}
	plus, minus := make([]float64, p), make([]float64, p)
	for i := range p {
		plus[i], minus[i] = y[i]+y[p+i], y[i]-y[p+i]
	}
	g1, g2 := make([]float64, p), make([]float64, p)
	gdStep(s.Network(), eta, plus, g1)
	gdStep(s.Network(), eta, minus, g2)
	// GD's step is η·∇E_m = η̃·(particle velocity): the residual 1e-11 of
	// the velocities times η̃, relative to |θ| = O(1).
	if e := math.Max(maxRel(g1, minus), maxRel(g2, plus)); e > 1e-10 {
		t.Errorf("stationary point (δ rms %.3g) is not a GD 2-cycle: relative mismatch %.3g", drms, e)
	}

	// The converse: polish a GD 2-cycle from the GD iterates there, then
	// map it to the particle state.
	gd2 := func(x, out []float64) {
		gdStep(s.Network(), eta, x, g1)
		gdStep(s.Network(), eta, g1, out)
		for i := range out {
			out[i] -= x[i]
		}
	}
	x, res2 := newton(gd2, plus, 8)
	if res2 > 1e-12 {
		t.Fatalf("no GD 2-cycle: |GD²(x) − x| = %.3g", res2)
	}
	gdStep(s.Network(), eta, x, g1)
	yc := make([]float64, 2*p)
	for i := range p {
		yc[i], yc[p+i] = 0.5*(x[i]+g1[i]), 0.5*(x[i]-g1[i])
	}
	dy := make([]float64, 2*p)
	s.RHS(0, yc, dy)
	// |GD²(x) − x| ≤ 1e-12 makes the velocities O(1e-12/η̃).
	if v := math.Sqrt(sumSq(dy)); v > 1e-10 {
		t.Errorf("GD 2-cycle (δ rms %.3g) is not stationary: |velocity| = %.3g", math.Sqrt(sumSq(yc[p:])/float64(nc.m)), v)
	}
}

// integrateTo returns the particle state at GD step k (DP5, tolerance
// 1e-10).
func integrateTo(t *testing.T, s *System, y0 []float64, k int) []float64 {
	t.Helper()
	var y []float64
	_, err := flow.Sample(s.RHS, y0, s.Grid(k, k, 0, 0), ode.DP5(), ode.PI{RTol: 1e-10, ATol: 1e-12},
		func(_ int, _ float64, yk []float64) error {
			y = append(y[:0], yk...)
			return nil
		})
	if err != nil {
		t.Fatal(err)
	}
	return y
}
