package reference

import (
	"math"
	"math/rand/v2"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas64"
	"gonum.org/v1/gonum/mat"
)

// SymmetricWithSpectrum returns H = Q diag(eig) Qᵀ with Q a Haar-random
// orthogonal matrix drawn from rng (QR factorisation of a Gaussian matrix,
// with the signs of R's diagonal moved into Q), symmetrised exactly. Column
// j of Q is the eigenvector of eig[j]; forming H perturbs the eigenvalues by
// O(p·ε·‖H‖) and the eigenvectors by that over the gap.
func SymmetricWithSpectrum(rng *rand.Rand, eig []float64) (*mat.SymDense, *mat.Dense) {
	p := len(eig)
	g := mat.NewDense(p, p, nil)
	for i := 0; i < p; i++ {
		for j := 0; j < p; j++ {
			g.Set(i, j, rng.NormFloat64())
		}
	}
	var qr mat.QR
	qr.Factorize(g)
	q := mat.NewDense(p, p, nil)
	qr.QTo(q)
	var r mat.Dense
	qr.RTo(&r)
	for j := 0; j < p; j++ {
		if r.At(j, j) < 0 {
			for i := 0; i < p; i++ {
				q.Set(i, j, -q.At(i, j))
			}
		}
	}
	qd := mat.NewDense(p, p, nil)
	qd.Copy(q)
	for j := 0; j < p; j++ {
		for i := 0; i < p; i++ {
			qd.Set(i, j, q.At(i, j)*eig[j])
		}
	}
	var h mat.Dense
	h.Mul(qd, q.T())
	s := mat.NewSymDense(p, nil)
	for i := 0; i < p; i++ {
		for j := i; j < p; j++ {
			s.SetSym(i, j, 0.5*(h.At(i, j)+h.At(j, i)))
		}
	}
	return s, q
}

// SymOperator is the operator v ↦ Av of a symmetric matrix, applied as a
// dense matrix-vector product (dsymv).
type SymOperator struct {
	A *mat.SymDense
}

// Dim returns the order of A.
func (o SymOperator) Dim() int { return o.A.SymmetricDim() }

// Apply writes Av into dst.
func (o SymOperator) Apply(v, dst []float64) {
	n := o.A.SymmetricDim()
	blas64.Symv(1, o.A.RawSymmetric(), blas64.Vector{N: n, Inc: 1, Data: v}, 0, blas64.Vector{N: n, Inc: 1, Data: dst})
}

// hessNormF returns the Frobenius norm of a symmetric matrix.
func hessNormF(a mat.Symmetric) float64 {
	n := a.SymmetricDim()
	var s float64
	for i := 0; i < n; i++ {
		for j := 0; j < n; j++ {
			v := a.At(i, j)
			s += v * v
		}
	}
	return math.Sqrt(s)
}

// hessResidual returns ‖Ay − λy‖ computed in float64 with a fresh dsymv.
func hessResidual(a *mat.SymDense, y []float64, lam float64) float64 {
	n := len(y)
	r := make([]float64, n)
	copy(r, y)
	blas64.Symv(1, a.RawSymmetric(), blas64.Vector{N: n, Inc: 1, Data: y}, -lam, blas64.Vector{N: n, Inc: 1, Data: r})
	return blas64.Nrm2(blas64.Vector{N: n, Inc: 1, Data: r})
}

// Spiked is a synthetic Hessian with a spectrum like a network's: a bulk
// near zero and a few outliers of either sign,
//
//	H = P B P + U diag(Lambda) Uᵀ,   P = I − UUᵀ,
//
// with B a dense symmetric matrix and U (p×r) orthonormal. The columns of U
// are exact eigenvectors with eigenvalues Lambda; the rest of the spectrum
// lies in [λ_min(B), λ_max(B)] (P B P is a compression of B), so every
// outlier outside that interval is an exactly known extreme eigenvalue.
// Changing Lambda, moving U along a smooth path (SetTime, like the Hessian
// along a GD trajectory) or kicking it at random (Rotate) gives drifting
// sequences with exact crossings. Apply costs one dense product with B plus
// O(pr) and does not allocate; a Spiked is not safe for concurrent use.
type Spiked struct {
	Bulk   *mat.SymDense
	U      *mat.Dense
	Lambda []float64
	u0, g  *mat.Dense // SetTime's path: U(t) = orth(u0 + t·g)
	t      []float64
	c, c2  []float64

	path   *mat.Dense      // SetTime's scratch
	cols   []*mat.VecDense // column views of colsOf
	colsOf *mat.Dense      // the U the views were made for
}

// NewSpiked returns a Spiked operator of dimension p with outliers lambda,
// a Wigner bulk B = (bulk/2)·(G+Gᵀ)/√(2p) (semicircle on about
// [−bulk, bulk]), Haar-random U and a Gaussian path direction, all drawn
// from rng.
func NewSpiked(rng *rand.Rand, p int, bulk float64, lambda []float64) *Spiked {
	r := len(lambda)
	b := mat.NewSymDense(p, nil)
	sc := bulk / 2 / math.Sqrt(2*float64(p))
	for i := 0; i < p; i++ {
		for j := i; j < p; j++ {
			g := rng.NormFloat64()
			if i == j {
				g *= math.Sqrt2
			}
			b.SetSym(i, j, sc*g)
		}
	}
	s := &Spiked{Bulk: b, U: mat.NewDense(p, r, nil), Lambda: append([]float64(nil), lambda...),
		u0: mat.NewDense(p, r, nil), g: mat.NewDense(p, r, nil),
		t: make([]float64, p), c: make([]float64, r), c2: make([]float64, r)}
	s.Rotate(rng, math.Inf(1))
	gs := 1 / math.Sqrt(float64(p))
	for i := 0; i < p; i++ {
		for j := 0; j < r; j++ {
			s.g.Set(i, j, gs*rng.NormFloat64())
		}
	}
	return s
}

// Rotate replaces U by the orthonormalised U + angle·G/√p, G a fresh
// Gaussian p×r matrix from rng: a random kick that turns each outlier
// eigenvector by about angle radians (angle = +Inf draws a fresh Haar-random
// U). The result becomes the origin of SetTime's path.
func (s *Spiked) Rotate(rng *rand.Rand, angle float64) {
	p, r := s.U.Dims()
	g := mat.NewDense(p, r, nil)
	sc := angle / math.Sqrt(float64(p))
	inf := math.IsInf(angle, 1)
	for i := 0; i < p; i++ {
		for j := 0; j < r; j++ {
			x := rng.NormFloat64()
			if inf {
				g.Set(i, j, x)
			} else {
				g.Set(i, j, s.U.At(i, j)+sc*x)
			}
		}
	}
	s.orthonormalise(g)
	s.u0.Copy(s.U)
}

// SetTime moves U along a smooth path, U(t) = the orthonormalised
// U(0) + t·G with a fixed Gaussian direction G of unit expected column norm:
// each outlier eigenvector turns by about |t| radians for small t.
func (s *Spiked) SetTime(t float64) {
	if s.path == nil {
		p, r := s.g.Dims()
		s.path = mat.NewDense(p, r, nil)
	}
	s.path.Scale(t, s.g)
	s.path.Add(s.path, s.u0)
	s.orthonormalise(s.path)
}

// columns returns views of the columns of U, made once per U (SetTime
// then does not allocate).
func (s *Spiked) columns() []*mat.VecDense {
	if s.colsOf != s.U {
		_, r := s.U.Dims()
		s.cols = s.cols[:0]
		for j := 0; j < r; j++ {
			s.cols = append(s.cols, s.U.ColView(j).(*mat.VecDense))
		}
		s.colsOf = s.U
	}
	return s.cols
}

// orthonormalise sets U to the orthonormalised columns of a (p×r, r ≪ p)
// by modified Gram–Schmidt applied twice, which keeps the signs (the
// diagonal of R is positive), so U(t) is continuous in t. It costs O(pr²).
func (s *Spiked) orthonormalise(a *mat.Dense) {
	s.U.Copy(a)
	cols := s.columns()
	for j, cj := range cols {
		for pass := 0; pass < 2; pass++ {
			for _, ci := range cols[:j] {
				cj.AddScaledVec(cj, -mat.Dot(ci, cj), ci)
			}
		}
		cj.ScaleVec(1/mat.Norm(cj, 2), cj)
	}
}

// Dim returns p.
func (s *Spiked) Dim() int { return s.Bulk.SymmetricDim() }

// Apply writes Hv into dst.
func (s *Spiked) Apply(v, dst []float64) {
	p := len(v)
	u := s.U.RawMatrix()
	vv := func(x []float64) blas64.Vector { return blas64.Vector{N: len(x), Inc: 1, Data: x} }
	// t = P v
	blas64.Gemv(blas.Trans, 1, u, vv(v), 0, vv(s.c))
	copy(s.t, v)
	blas64.Gemv(blas.NoTrans, -1, u, vv(s.c), 1, vv(s.t))
	// dst = P B t
	blas64.Symv(1, s.Bulk.RawSymmetric(), vv(s.t), 0, vv(dst[:p]))
	blas64.Gemv(blas.Trans, 1, u, vv(dst), 0, vv(s.c2))
	// dst += U (Λc − c2)
	for i, l := range s.Lambda {
		s.c2[i] = l*s.c[i] - s.c2[i]
	}
	blas64.Gemv(blas.NoTrans, 1, u, vv(s.c2), 1, vv(dst))
}
