package gd

import (
	"fmt"

	"gonum.org/v1/gonum/mat"

	"github.com/eoskit/eoskit/sim"
)

// DenseMaxDim is the largest parameter count for which the experiment
// runner measures the spectrum with the dense path (Dense) by default.
const DenseMaxDim = 300

// Dense measures the spectrum exactly: it assembles ∇²E(θ) column by column
// from p Hessian-vector products, symmetrises it, and diagonalises it with
// gonum's mat.EigenSym. Its cost is p HVPs and O(p³) flops, so it suits
// models with at most a few hundred parameters. A Dense value keeps its
// work space between calls and is not safe for concurrent use.
type Dense struct {
	h    *mat.SymDense
	col  []float64
	unit []float64
	eig  mat.EigenSym
}

// Top implements Spectrum.
func (d *Dense) Top(obj sim.Objective, theta []float64, k int) (Eigen, error) {
	p := obj.Dim()
	if k < 1 || k > p {
		return Eigen{}, fmt.Errorf("gd: Dense: k = %d outside [1, %d]", k, p)
	}
	if d.h == nil || d.h.SymmetricDim() != p {
		d.h = mat.NewSymDense(p, nil)
		d.col = make([]float64, p)
		d.unit = make([]float64, p)
	}
	op := sim.HessianAt(obj, theta)
	raw := d.h.RawSymmetric()
	for j := 0; j < p; j++ {
		d.unit[j] = 1
		op.Apply(d.unit, d.col)
		d.unit[j] = 0
		// Columns are visited in increasing j, so entry (i, j) with i < j
		// already holds H_ji/2 from column i: add H_ij/2. Entries (j, i)
		// with i > j are first set here and completed by column i.
		for i := 0; i < j; i++ {
			raw.Data[i*raw.Stride+j] += 0.5 * d.col[i]
		}
		raw.Data[j*raw.Stride+j] = d.col[j]
		for i := j + 1; i < p; i++ {
			raw.Data[j*raw.Stride+i] = 0.5 * d.col[i]
		}
	}
	if !d.eig.Factorize(d.h, false) {
		return Eigen{}, fmt.Errorf("gd: Dense: eigendecomposition did not converge")
	}
	vals := d.eig.Values(nil)
	top := make([]float64, k)
	for i := range top {
		top[i] = vals[p-1-i]
	}
	return Eigen{Values: top, Residual: float64(p) * 0x1p-52, HVPs: p}, nil
}
