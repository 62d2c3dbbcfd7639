package flow_test

import (
	"errors"
	"math"
	"testing"

	"gonum.org/v1/gonum/mat"

	"github.com/eoskit/eoskit/sim"
	"github.com/eoskit/eoskit/sim/flow"
	"github.com/eoskit/eoskit/sim/ode"
)

// quadratic is E(θ) = ½(θ−c)ᵀA(θ−c) with A symmetric, row-major.
type quadratic struct {
	a, c []float64
	n    int
	d    []float64 // scratch θ − c
}

func newQuadratic(a, c []float64) *quadratic {
	return &quadratic{a: a, c: c, n: len(c), d: make([]float64, len(c))}
}

func (q *quadratic) Dim() int { return q.n }

func (q *quadratic) Loss(theta []float64) float64 {
	var e float64
	for i := range q.n {
		var ad float64
		for j := range q.n {
			ad += q.a[i*q.n+j] * (theta[j] - q.c[j])
		}
		e += 0.5 * (theta[i] - q.c[i]) * ad
	}
	return e
}

func (q *quadratic) Grad(theta, grad []float64) float64 {
	for i := range q.n {
		q.d[i] = theta[i] - q.c[i]
	}
	var e float64
	for i := range q.n {
		var g float64
		for j := range q.n {
			g += q.a[i*q.n+j] * q.d[j]
		}
		grad[i] = g
		e += 0.5 * q.d[i] * g
	}
	return e
}

func (q *quadratic) HessVec(_, v, hv []float64) {
	for i := range q.n {
		var s float64
		for j := range q.n {
			s += q.a[i*q.n+j] * v[j]
		}
		hv[i] = s
	}
}

// testQuadratic has eigenvalues spread over [0.1, 20] (sharpness 20, so the
// flow is moderately stiff at η = 0.09 < 2/20).
func testQuadratic() (*quadratic, []float64) {
	const n = 5
	lambda := []float64{0.1, 0.5, 2, 7, 20}
	// A = QΛQᵀ with Q from the QR factorisation of a fixed matrix.
	var qr mat.QR
	qr.Factorize(mat.NewDense(n, n, []float64{
		2, 1, 0, 1, 3,
		1, 3, 1, 0, 1,
		0, 1, 4, 1, 0,
		1, 0, 1, 5, 1,
		3, 1, 0, 1, 6,
	}))
	var q mat.Dense
	qr.QTo(&q)
	var a mat.Dense
	a.Mul(&q, mat.NewDiagDense(n, lambda))
	a.Mul(&a, q.T())
	data := make([]float64, n*n)
	for i := range n {
		for j := range n {
			data[i*n+j] = 0.5 * (a.At(i, j) + a.At(j, i)) // exactly symmetric
		}
	}
	return newQuadratic(data, []float64{1, -2, 0.5, 3, -1}), []float64{0, 0, 0, 0, 0}
}

// exactFlow returns c + e^{−tA}(θ₀ − c).
func exactFlow(q *quadratic, theta0 []float64, t float64) []float64 {
	n := q.n
	var e mat.Dense
	m := mat.NewDense(n, n, nil)
	for i := range n {
		for j := range n {
			m.Set(i, j, -t*q.a[i*n+j])
		}
	}
	e.Exp(m)
	d := make([]float64, n)
	for i := range n {
		d[i] = theta0[i] - q.c[i]
	}
	var v mat.VecDense
	v.MulVec(&e, mat.NewVecDense(n, d))
	out := make([]float64, n)
	for i := range n {
		out[i] = q.c[i] + v.AtVec(i)
	}
	return out
}

// TestGradientFlowQuadratic: on a quadratic the sampled flow matches
// c + e^{−tA}(θ₀ − c) at every t = kη to the requested tolerance, with DP5
// over the whole run (which becomes stability-limited as the flow converges)
// and with DOP853 over its non-stiff start (t ≤ 0.9, where the steps are
// limited by accuracy; see GradientFlow for DOP853 in the stiff regime).
//
// Gradient flow on a convex quadratic is contractive (‖e^{−tA}‖₂ ≤ 1), so
// the global error is at most the sum of the local errors, each ≤ tol times
// the scale (1 + max|θ|) per component (error per step, rtol = atol = tol;
// the propagated solution of DP5/DOP853 is more accurate than the estimate
// it is accepted on). The test asserts this bound, √p·tol·(1 + max|θ|)·steps,
// and the observed error/tol is logged.
func TestGradientFlowQuadratic(t *testing.T) {
	q, theta0 := testQuadratic()
	for _, c := range []struct {
		m    ode.Method
		grid flow.Grid
	}{
		{ode.DP5(), flow.Grid{Eta: 0.09, Steps: 300, Every: 7}},
		{ode.DOP853(), flow.Grid{Eta: 0.009, Steps: 100, Every: 7}},
	} {
		m, grid := c.m, c.grid
		for _, tol := range []float64{1e-6, 1e-10} {
			counted := sim.NewCounted(q)
			var ks []int
			var worst float64
			stats, err := flow.GradientFlow(counted, theta0, grid, m, ode.PI{RTol: tol, ATol: tol},
				func(k int, tt float64, theta []float64) error {
					if tt != float64(k)*grid.Eta {
						t.Errorf("sample k = %d at t = %v, want kη = %v", k, tt, float64(k)*grid.Eta)
					}
					ks = append(ks, k)
					want := exactFlow(q, theta0, tt)
					for i := range theta {
						worst = math.Max(worst, math.Abs(theta[i]-want[i]))
					}
					return nil
				})
			if err != nil {
				t.Fatal(err)
			}
			if counted.N.Grad != stats.Evals {
				t.Errorf("%s: %d gradients counted, %d evaluations reported", m.Name(), counted.N.Grad, stats.Evals)
			}
			last := grid.Steps / 7 * 7
			if len(ks) != grid.Steps/7+2 || ks[0] != 0 || ks[1] != 7 || ks[len(ks)-1] != grid.Steps || ks[len(ks)-2] != last {
				t.Errorf("%s: sampled k = %v", m.Name(), ks)
			}
			var thetaMax float64
			for _, c := range q.c {
				thetaMax = math.Max(thetaMax, math.Abs(c)) // θ(t) lies between θ₀ = 0 and c
			}
			bound := math.Sqrt(float64(q.n)) * tol * (1 + thetaMax) * float64(stats.Steps)
			t.Logf("%s tol %g: max error %.3g (%.2g·tol) over %d samples, %d steps, %d gradients",
				m.Name(), tol, worst, worst/tol, len(ks), stats.Steps, stats.Evals)
			if worst > bound {
				t.Errorf("%s tol %g: error %.3g exceeds %.3g", m.Name(), tol, worst, bound)
			}
		}
	}
}

// TestGradientRHS: θ' = −∇E, without allocating.
func TestGradientRHS(t *testing.T) {
	q, _ := testQuadratic()
	g := flow.NewGradient(q)
	theta := []float64{0.3, -0.1, 2, 1, 0}
	d := make([]float64, 5)
	grad := make([]float64, 5)
	g.RHS(0, theta, d)
	q.Grad(theta, grad)
	for i := range d {
		if d[i] != -grad[i] {
			t.Errorf("RHS[%d] = %v, want −∇E = %v", i, d[i], -grad[i])
		}
	}
	if g.Dim() != 5 {
		t.Errorf("Dim = %d", g.Dim())
	}
	if a := testing.AllocsPerRun(100, func() { g.RHS(0, theta, d) }); a != 0 {
		t.Errorf("RHS allocates %v times", a)
	}
}

// TestSampleErrors: a callback error stops the flow; bad grids are refused.
func TestSampleErrors(t *testing.T) {
	q, theta0 := testQuadratic()
	stop := errors.New("enough")
	_, err := flow.GradientFlow(q, theta0, flow.Grid{Eta: 0.1, Steps: 10}, ode.DP5(), ode.PI{RTol: 1e-6, ATol: 1e-6},
		func(k int, _ float64, _ []float64) error {
			if k == 3 {
				return stop
			}
			return nil
		})
	if !errors.Is(err, stop) {
		t.Errorf("callback error: %v", err)
	}
	for _, g := range []flow.Grid{{Eta: 0, Steps: 10}, {Eta: 0.1, Steps: -1}, {Eta: math.NaN(), Steps: 1}} {
		if _, err := flow.GradientFlow(q, theta0, g, ode.DP5(), ode.PI{RTol: 1e-6}, func(int, float64, []float64) error { return nil }); err == nil {
			t.Errorf("grid %+v accepted", g)
		}
	}
	// Zero steps: one sample, at k = 0.
	n := 0
	if _, err := flow.GradientFlow(q, theta0, flow.Grid{Eta: 0.1}, ode.RK4(), ode.Fixed{H: 0.01},
		func(k int, _ float64, theta []float64) error { n++; return nil }); err != nil || n != 1 {
		t.Errorf("zero steps: %v, %d samples", err, n)
	}
}
