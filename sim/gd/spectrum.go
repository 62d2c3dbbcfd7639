package gd

import (
	"context"
	"errors"
	"fmt"
	"math"

	"github.com/eoskit/eoskit/sim"
	"github.com/eoskit/eoskit/sim/hessian"
	"gonum.org/v1/gonum/mat"
)

// DenseMaxDim is the largest parameter count for which SpectrumAuto uses the
// dense path.
const DenseMaxDim = 300

// DefaultSpectrumTol is the default relative residual of the matrix-free
// estimators. With a relative gap δ to the next eigenvalue, the eigenvalue
// error is at most about tol²/δ relative (Kato–Temple): 1e-12/δ.
const DefaultSpectrumTol = 1e-6

// The spectrum methods of SpectrumSettings.
const (
	// SpectrumAuto is SpectrumDense for models with at most DenseMaxDim
	// parameters and SpectrumTracker above.
	SpectrumAuto = "auto"
	// SpectrumDense assembles ∇²E from p HVPs, symmetrises it and
	// diagonalises it (LAPACK dsyev): exact to round-off, O(p³).
	SpectrumDense = "dense"
	// SpectrumLanczos runs a cold thick-restart Lanczos solve at every
	// measurement.
	SpectrumLanczos = "lanczos"
	// SpectrumTracker warm-starts each solve from the previous
	// measurement's eigenvectors (hessian.Tracker), with periodic checks
	// for eigenvalues rising from outside the tracked set.
	SpectrumTracker = "tracker"
)

// SpectrumMethods lists the method names, SpectrumAuto first.
func SpectrumMethods() []string {
	return []string{SpectrumAuto, SpectrumDense, SpectrumLanczos, SpectrumTracker}
}

// SpectrumSettings choose how the top of the Hessian spectrum is measured.
type SpectrumSettings struct {
	// Method is one of SpectrumMethods (empty: SpectrumAuto).
	Method string
	// TopK is the number of top eigenvalues measured (≤ 0: 1).
	TopK int
	// Tol is the relative residual of the matrix-free methods (≤ 0:
	// DefaultSpectrumTol); the dense path is exact to round-off.
	Tol float64
	// Periods is the tracker's hessian.TrackerSettings.Periods: the
	// longest period of interleaved sequences it recognises (≤ 0: the
	// tracker's default, the largest). TrackerPeriods gives what a
	// Recorder's measurements need.
	Periods int
}

// TrackerPeriods returns the longest period of interleaved sequences a
// tracker sees when a Recorder measures every every steps, with or without
// the centres θ̄_k: 2 without centres (an odd every on a 2-cycle alternates
// between its phases; an even one can on a 4-cycle, between two of them); with
// centres, which alternate with the iterates, 2 for an even every and 4 for
// an odd one (iterate, centre, other-phase iterate, centre). Each period
// costs the tracker (Top+Bottom)·2p + Cache·p floats (see
// hessian.TrackerSettings.WorkspaceFloats).
func TrackerPeriods(every int, centres bool) int {
	if centres && every%2 != 0 {
		return 4
	}
	return 2
}

// ResolveSpectrumMethod returns the method NewSpectrum uses for p
// parameters: SpectrumAuto (or "") resolved to SpectrumDense or
// SpectrumTracker, any other name as given.
func ResolveSpectrumMethod(method string, p int) string {
	if method != "" && method != SpectrumAuto {
		return method
	}
	if p <= DenseMaxDim {
		return SpectrumDense
	}
	return SpectrumTracker
}

// NewSpectrum returns the estimator the settings describe for objectives
// with p parameters. Each returned Spectrum keeps its own workspace (and, for
// the tracker, what it learnt at the previous call), so use one per sequence
// of related measurements and not concurrently.
func NewSpectrum(p int, s SpectrumSettings) (Spectrum, error) {
	k := max(s.TopK, 1)
	if k > p {
		return nil, fmt.Errorf("gd: %d top eigenvalues requested of a %d-parameter model", k, p)
	}
	tol := s.Tol
	if tol <= 0 {
		tol = DefaultSpectrumTol
	}
	settings := hessian.Settings{Top: k, Tol: tol}
	switch method := ResolveSpectrumMethod(s.Method, p); method {
	case SpectrumDense:
		return &estimated{est: &hessian.DenseSolver{Top: k}, method: method}, nil
	case SpectrumLanczos:
		return &estimated{est: hessian.NewLanczosSolver(settings), method: method}, nil
	case SpectrumTracker:
		return &estimated{est: hessian.NewTracker(hessian.TrackerSettings{Settings: settings, Periods: s.Periods}), method: method}, nil
	}
	return nil, fmt.Errorf("gd: unknown spectrum method %q (want one of %v)", s.Method, SpectrumMethods())
}

// TopVectorer is implemented by the Spectrum values of NewSpectrum: the
// unit eigenvector of the largest eigenvalue of the last successful
// measurement.
type TopVectorer interface {
	// TopVector returns the top unit eigenvector of the last measurement
	// (nil when there is none). It is valid until the next measurement and
	// must not be modified.
	TopVector() []float64
}

// estimated adapts a hessian.ContextEstimator to Spectrum.
type estimated struct {
	est    hessian.ContextEstimator
	method string
	top    []float64 // the last top eigenvector, or nil
	buf    []float64 // its storage
}

// TopVector implements TopVectorer.
func (e *estimated) TopVector() []float64 { return e.top }

// Method returns the resolved method name (dense, lanczos or tracker).
func (e *estimated) Method() string { return e.method }

// Top implements Spectrum. An estimate that stopped short of its tolerance
// (a hessian.ConvergenceError) is returned without error: its residual says
// how good it is.
func (e *estimated) Top(ctx context.Context, obj sim.Objective, theta []float64) (Eigen, error) {
	e.top = nil
	r, err := e.est.EstimateContext(ctx, sim.HessianAt(obj, theta))
	var ce *hessian.ConvergenceError
	if err != nil && !(errors.As(err, &ce) && len(r.Top.Values) > 0) {
		return Eigen{HVPs: r.HVPs}, err
	}
	if v := r.Top.Vectors; v != nil {
		n, _ := v.Dims()
		if cap(e.buf) < n {
			e.buf = make([]float64, n)
		}
		e.top = mat.Col(e.buf[:n], 0, v)
	}
	out := Eigen{Values: append([]float64(nil), r.Top.Values...), HVPs: r.HVPs}
	for i, v := range r.Top.Values {
		rel := r.Top.Residuals[i] / math.Max(math.Abs(v), r.Norm)
		if r.Top.Residuals[i] == 0 {
			rel = 0
		}
		out.Residual = math.Max(out.Residual, rel)
	}
	return out, nil
}
